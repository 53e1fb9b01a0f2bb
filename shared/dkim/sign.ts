import { createHash, sign, type KeyObject } from 'node:crypto';
import { hashBody } from './body-hash.ts';
import { signedHeaderData } from './header-hash.ts';
import { splitMessage } from './header-fields.ts';
import type { Algorithm } from './signature-field.ts';
import { asciiLowerCase } from './ascii.ts';

/**
 * Signs a message with DKIM. Leakproof verifies, it does not send mail: this exists for the dump generator
 * and the tests, which need signed mail with known flaws (l=, sha1, weak keys, unaligned signers). Its
 * output is checked against dkimpy and mailauth, so it does not merely agree with our own verifier.
 */
export interface SignOptions {
  domain: string;
  selector: string;
  privateKey: KeyObject;
  algorithm?: Algorithm;
  canonicalization?: `${'simple' | 'relaxed'}/${'simple' | 'relaxed'}`;
  /** Header field names to sign, in order; a name repeated signs one more instance (or over-signs). */
  headers?: string[];
  /** Sign only the first N canonical body bytes; 'whole' writes l= as the whole body's length. */
  bodyLength?: number | 'whole';
  /** Seconds since the epoch. */
  timestamp?: number;
  expiresAt?: number;
  identity?: string;
  /**
   * More tags written as given, before h= (e.g. "q=dns/txt"). Nothing is checked: tests sign what a forger or
   * an odd signer could, and the verifier must judge it.
   */
  extraTags?: string[];
}

const DEFAULT_HEADERS = ['from', 'to', 'cc', 'subject', 'date', 'message-id', 'mime-version', 'content-type'];

export function signMessage(message: Buffer, options: SignOptions): Buffer {
  const algorithm = options.algorithm ?? 'rsa-sha256';
  const canonicalization = options.canonicalization ?? 'relaxed/relaxed';
  const bodyCanon = canonicalization.split('/')[1] as 'simple' | 'relaxed';
  const split = splitMessage(message);
  const present = new Set(split.fields.map((field) => field.key));
  const headers = options.headers ?? DEFAULT_HEADERS.filter((name) => present.has(name));
  const hash = algorithm === 'rsa-sha1' ? 'sha1' : 'sha256';
  const body = message.subarray(split.bodyStart);
  const whole = hashBody(body, bodyCanon, hash);
  const limit = options.bodyLength === 'whole' ? whole.canonicalLength : (options.bodyLength ?? null);
  const bodyHash = limit === null ? whole.digest : hashBody(body, bodyCanon, hash, limit).digest;

  const tags = [
    'v=1',
    `a=${algorithm}`,
    `c=${canonicalization}`,
    `d=${options.domain}`,
    `s=${options.selector}`,
    ...(options.identity ? [`i=${options.identity}`] : []),
    ...(limit !== null ? [`l=${limit}`] : []),
    ...(options.timestamp !== undefined ? [`t=${options.timestamp}`] : []),
    ...(options.expiresAt !== undefined ? [`x=${options.expiresAt}`] : []),
    ...(options.extraTags ?? []),
    `h=${headers.join(':')}`,
    `bh=${bodyHash}`,
  ];
  const eol = lineEnding(message);
  const unsigned = `DKIM-Signature: ${tags.join(';' + eol + '\t')};${eol}\tb=`;
  const field = { name: 'DKIM-Signature', key: 'dkim-signature', raw: Buffer.from(unsigned, 'latin1'), colon: 'DKIM-Signature'.length };
  const data = signedHeaderData(split.fields, { h: headers.map(asciiLowerCase), headerCanon: canonicalization.split('/')[0] as 'simple' | 'relaxed', field });
  const signature =
    algorithm === 'ed25519-sha256'
      ? sign(null, createHash('sha256').update(data).digest(), options.privateKey)
      : sign(hash, data, options.privateKey);
  return Buffer.concat([Buffer.from(unsigned + fold(signature.toString('base64'), eol) + eol, 'latin1'), message]);
}

/** The DNS TXT record that publishes a public key. */
export function publicKeyRecord(publicKey: KeyObject): string {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  if (publicKey.asymmetricKeyType === 'ed25519') return `v=DKIM1; k=ed25519; p=${der.subarray(-32).toString('base64')}`;
  return `v=DKIM1; k=rsa; p=${der.toString('base64')}`;
}

function lineEnding(message: Buffer): string {
  const lf = message.indexOf(0x0a);
  return lf > 0 && message[lf - 1] === 0x0d ? '\r\n' : '\n';
}

function fold(base64: string, eol: string): string {
  return base64.replace(/(.{72})(?=.)/g, `$1${eol}\t`);
}
