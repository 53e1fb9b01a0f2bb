/**
 * SigV4 signatures for calls to the stack's HTTP API when it authorises with IAM (`apiAuth=iam`): the caller's
 * own AWS credentials (the SDK's default chain: environment, profile, SSO, instance role), signed for the
 * `execute-api` service, as `awscurl` does.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

type SignerInit = ConstructorParameters<typeof SignatureV4>[0];
type SignableRequest = Parameters<SignatureV4['presign']>[0];
type SourceData = string | ArrayBuffer | ArrayBufferView;

/** A request about to be sent, and the headers that authorise it. */
export type RequestAuthoriser = (request: { method: string; url: URL }) => Promise<Record<string, string>>;

/** The region in an API Gateway URL (`https://<id>.execute-api.<region>.amazonaws.com/`), if it is one. */
export function regionOfApiUrl(url: URL): string | undefined {
  return /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(url.hostname)?.[1];
}

export function sigV4Authoriser(region: string | (() => Promise<string>), credentials: SignerInit['credentials'] = defaultProvider()): RequestAuthoriser {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: NodeSha256 });
  return async ({ method, url }) => {
    const query: Record<string, string | string[]> = {};
    for (const name of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(name);
      query[name] = values.length === 1 ? values[0]! : values;
    }
    const request: SignableRequest = {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      // Already percent-encoded once, as sent; the signer encodes it again, as SigV4 asks of every service but S3.
      path: url.pathname,
      query,
      headers: { host: url.host },
    };
    const signed = await signer.sign(request);
    const { host: _host, ...headers } = signed.headers;
    return headers;
  };
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer asks for (what @smithy/hash-node did). */
export class NodeSha256 {
  readonly #secret: Buffer | undefined;
  #hash!: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : bytesOf(secret);
    this.reset();
  }

  update(data: Uint8Array): void {
    this.#hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }

  reset(): void {
    this.#hash = this.#secret ? createHmac('sha256', this.#secret) : createHash('sha256');
  }
}

function bytesOf(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
