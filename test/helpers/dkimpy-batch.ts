/**
 * dkimpy (Debian's python3-dkim) over a whole batch in one process, through test/helpers/dkimpy_batch.py:
 * thousands of signings or verifications in seconds, where oracles.ts's one process per message would take
 * minutes. Only python3-dkim is needed (not ../shared).
 */
import { spawnSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./dkimpy_batch.py', import.meta.url));

function pythonCan(code: string): boolean {
  return spawnSync(PYTHON, ['-c', code], { stdio: 'ignore' }).status === 0;
}

export const dkimpyBatchAvailable = pythonCan('import dkim');
/** dkimpy signs and verifies Ed25519 only with PyNaCl (python3-nacl). */
export const dkimpyEd25519Available = dkimpyBatchAvailable && pythonCan('import dkim, nacl.signing');

export type SigningKeySpec = { kind: 'rsa'; pem: string } | { kind: 'ed25519'; seed: string };

/** A node private key in the form dkimpy's signer takes: PKCS#1 PEM for RSA, the base64 seed for Ed25519. */
export function dkimpySigningKey(privateKey: KeyObject): SigningKeySpec {
  if (privateKey.asymmetricKeyType === 'ed25519') {
    const jwk = privateKey.export({ format: 'jwk' });
    return { kind: 'ed25519', seed: Buffer.from(jwk.d!, 'base64url').toString('base64') };
  }
  return { kind: 'rsa', pem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
}

export interface DkimpySignatureSpec {
  key: string;
  domain: string;
  selector: string;
  canon: ['simple' | 'relaxed', 'simple' | 'relaxed'];
  /** Header field names hashed, in h= order (dkimpy lower-cases them). */
  headers: string[];
  /** The h= text to write instead of dkimpy's own (mixed case, other spacing); must name `headers`. */
  hText?: string | null;
  length?: boolean;
}

export interface DkimpySignJob {
  message: Buffer;
  linesep: '\r\n' | '\n';
  /** Applied in order, each prepended above the previous. */
  signatures: DkimpySignatureSpec[];
}

export type DkimpySignResult = { message: Buffer } | { error: string };

export interface DkimpyVerifyResult {
  /** dkimpy could not parse the message (then it verifies no signature). */
  parseError: string | null;
  signatures: { pass: boolean; reason: string | null }[];
}

function run<T>(request: object): T {
  const child = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 1 << 30 });
  if (child.status !== 0) throw new Error(`dkimpy_batch.py exited ${child.status}: ${child.stderr.slice(0, 2000)}`);
  return (JSON.parse(child.stdout) as { results: T }).results;
}

export function dkimpySignBatch(jobs: readonly DkimpySignJob[], keys: Record<string, SigningKeySpec>, clock: number): DkimpySignResult[] {
  const request = {
    mode: 'sign',
    clock,
    keys,
    jobs: jobs.map((job) => ({
      message: job.message.toString('base64'),
      linesep: job.linesep,
      signatures: job.signatures.map((s) => ({ ...s, h_text: s.hText ?? null, hText: undefined })),
    })),
  };
  const results = run<({ message: string } | { error: string })[]>(request);
  return results.map((result) => ('message' in result ? { message: Buffer.from(result.message, 'base64') } : result));
}

export function dkimpyVerifyBatch(messages: readonly Buffer[], records: Record<string, string>, clock: number, minKeyBits = 1024): DkimpyVerifyResult[] {
  const request = { mode: 'verify', clock, minkey: minKeyBits, records, messages: messages.map((message) => message.toString('base64')) };
  const results = run<{ parse_error: string | null; signatures: { result: string; reason: string | null }[] }[]>(request);
  return results.map((result) => ({
    parseError: result.parse_error,
    signatures: result.signatures.map((signature) => ({ pass: signature.result === 'pass', reason: signature.reason })),
  }));
}
