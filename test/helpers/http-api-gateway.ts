/**
 * The API Lambda (functions/api.ts) behind a stand-in for API Gateway, over real HTTP on 127.0.0.1: what a
 * client of a deployed stack (`leakproof upload`, `summary --api`, `export --api`) talks to in the tests. Each
 * request becomes the payload-2.0 event API Gateway would send (test/helpers/lambda-events.ts), routed as the
 * stack routes (shared/api/endpoints.ts), after the authorisation API Gateway would check:
 * - `Authorization: Bearer <token>` with the token given here (standing in for a JWT authoriser's verdict), or
 * - a SigV4 signature for `execute-api`, recomputed here over the request as received, with the credentials
 *   given here (IAM's check of the signature; not its policy).
 * Anything else is a 401 or 403 before the function runs, as API Gateway answers. The stack's public routes (the
 * report page's files, its sign-in settings, the API description: ENDPOINTS' `public`) have no authoriser, so a
 * browser opens the page without a token.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeSha256 } from '../../shared/adapters/aws/execute-api-signer.ts';
import { ENDPOINTS } from '../../shared/api/endpoints.ts';
import { httpApiEvent, lambdaContext } from './lambda-events.ts';

type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export interface GatewayOptions {
  handler: ApiHandler;
  /** The bearer token accepted; none: bearer tokens are refused. */
  token?: string;
  /** The IAM credentials whose signatures are accepted, and the region signed for. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
}

export interface RunningGateway {
  url: string;
  /** Requests that reached the function, by how they were authorised. */
  authorised: { bearer: number; sigv4: number };
  refused: number;
  /** The route of every request that reached the function ("GET /dumps/{id}"), in order. */
  routes: string[];
  close(): Promise<void>;
}

export async function serveApiGateway(options: GatewayOptions): Promise<RunningGateway> {
  const signer = new SignatureV4({ service: 'execute-api', region: options.region, credentials: options.credentials, sha256: NodeSha256 });
  const authorised = { bearer: 0, sigv4: 0 };
  const routes: string[] = [];
  let refused = 0;
  const server = createServer(async (request, response) => {
    try {
      const body = await readBody(request);
      const headers = Object.fromEntries(Object.entries(request.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));
      let event: APIGatewayProxyEventV2;
      try {
        event = httpApiEvent({ method: request.method ?? 'GET', url: request.url ?? '/', routes: ENDPOINTS, headers, ...(body.length > 0 ? { body: body.toString('utf8') } : {}) });
      } catch {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
        return;
      }
      const isPublic = ENDPOINTS.some((endpoint) => endpoint.access === 'public' && `${endpoint.method} ${endpoint.path}` === event.routeKey);
      const verdict = isPublic ? 'public' : await authorise(request, options.token, signer);
      if (verdict !== 'public' && verdict !== 'bearer' && verdict !== 'sigv4') {
        refused++;
        response.writeHead(verdict, { 'content-type': 'application/json' }).end(JSON.stringify({ message: verdict === 401 ? 'Unauthorized' : 'Forbidden' }));
        return;
      }
      if (verdict !== 'public') authorised[verdict]++;
      routes.push(event.routeKey);
      const result = (await options.handler(event, lambdaContext({ functionName: 'leakproof-api', timeoutMs: 29_000 }))) as Exclude<APIGatewayProxyResultV2, string>;
      const out = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
      response.writeHead(result.statusCode ?? 200, { ...(result.headers as Record<string, string>), 'content-length': String(out.length) }).end(out);
    } catch (error) {
      response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(error) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    authorised,
    routes,
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** 'bearer' or 'sigv4' when the request is authorised; else the status API Gateway answers. */
async function authorise(request: IncomingMessage, token: string | undefined, signer: SignatureV4): Promise<'bearer' | 'sigv4' | 401 | 403> {
  const authorization = request.headers.authorization;
  if (!authorization) return 401;
  if (authorization.startsWith('Bearer ')) return token !== undefined && authorization === `Bearer ${token}` ? 'bearer' : 401;
  const signed = /^AWS4-HMAC-SHA256 Credential=[^,]+, ?SignedHeaders=([a-z0-9;-]+), ?Signature=[0-9a-f]{64}$/.exec(authorization);
  const amzDate = request.headers['x-amz-date'];
  if (!signed || typeof amzDate !== 'string') return 403;
  const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
  const headers: Record<string, string> = {};
  for (const name of signed[1]!.split(';')) {
    const value = request.headers[name];
    if (typeof value !== 'string') return 403;
    headers[name] = value;
  }
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 ? values[0]! : values;
  }
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(signingDate.getTime()) || Math.abs(Date.now() - signingDate.getTime()) > 5 * 60_000) return 403;
  const expected = await signer.sign(
    { method: request.method ?? 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers },
    { signingDate },
  );
  return expected.headers.authorization === authorization ? 'sigv4' : 403;
}
