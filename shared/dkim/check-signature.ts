import { createHash, verify } from 'node:crypto';
import { asciiLowerCase } from './ascii.ts';
import type { FoundKey } from '../ports/key-resolver.ts';
import { hashBodyAt, type BodyDigests, type BodyHashResult } from './body-hash.ts';
import { signedHeaderData } from './header-hash.ts';
import type { FieldIndex, HeaderField } from './header-fields.ts';
import { parseKeyRecord, type KeyRecord } from './key-record.ts';
import type { DkimSignature } from './signature-field.ts';

/** A body to hash: the message's own, or (mbox) another reading of the same message. */
export interface BodyReading {
  name: string;
  body: Buffer;
}

export interface SignatureCheck {
  status: 'pass' | 'body-hash-mismatch' | 'signature-mismatch' | 'permerror' | 'key-revoked';
  bodyHash: 'pass' | 'fail';
  headerSignature: 'pass' | 'fail' | 'not-checked';
  canonicalBodyLength: number;
  /** The key that checked (or last failed) the header signature. */
  key: FoundKey | null;
  parsedKey: KeyRecord | null;
  /** Name of the body reading whose hash matched, when it was not the first. */
  reading: string | null;
  detail: string | null;
}

/**
 * Checks one well-formed signature against the keys published for its selector. The header signature is
 * checked even when the body hash fails: that is what tells "headers genuine, body altered" from "does not
 * match at all". Several archived keys may exist for one selector (rotation in place); any one verifying counts.
 */
export function checkSignature(
  signature: DkimSignature,
  fields: readonly HeaderField[],
  readings: Iterable<BodyReading>,
  keys: readonly FoundKey[],
  bodyHashes: BodyHashCache,
  index: FieldIndex,
): SignatureCheck {
  const body = matchBody(signature, readings, bodyHashes);
  const base = { bodyHash: body.matched ? 'pass' : 'fail', canonicalBodyLength: body.result.canonicalLength } as const;
  const reading = body.matched && !body.primary ? body.reading : null;

  let lastProblem: { key: FoundKey; parsed: KeyRecord; detail: string } | null = null;
  let revoked: FoundKey | null = null;
  let data: Buffer | null = null;
  for (const key of keys) {
    const parsed = parsedKeyRecord(key.value);
    if (parsed.status === 'revoked') {
      revoked = key;
      continue;
    }
    const unusable = parsed.status === 'invalid' ? parsed.detail : keyMismatch(signature, parsed);
    if (unusable) {
      lastProblem = { key, parsed, detail: unusable };
      continue;
    }
    if (parsed.status !== 'usable') continue;
    data ??= signedHeaderData(fields, signature, index);
    const holds = verifyHeader(signature, parsed.keyType, parsed.key, data);
    if (holds) {
      return {
        ...base,
        status: body.matched ? 'pass' : 'body-hash-mismatch',
        headerSignature: 'pass',
        key,
        parsedKey: parsed,
        reading,
        detail: body.matched ? null : 'header signature valid, body hash does not match: headers genuine, body altered',
      };
    }
    lastProblem = { key, parsed, detail: 'header signature does not verify' };
  }
  if (lastProblem && lastProblem.detail === 'header signature does not verify') {
    return { ...base, status: 'signature-mismatch', headerSignature: 'fail', key: lastProblem.key, parsedKey: lastProblem.parsed, reading, detail: lastProblem.detail };
  }
  if (lastProblem) {
    return { ...base, status: 'permerror', headerSignature: 'not-checked', key: lastProblem.key, parsedKey: lastProblem.parsed, reading, detail: lastProblem.detail };
  }
  return { ...base, status: 'key-revoked', headerSignature: 'not-checked', key: revoked, parsedKey: { status: 'revoked' }, reading, detail: 'key revoked (empty p=)' };
}

/**
 * Key records parsed once per thread: a dump has a handful of keys and thousands of messages, and building a
 * KeyObject from DER cost more than checking the signature with it.
 */
const parsedKeys = new Map<string, KeyRecord>();
const MAX_PARSED_KEYS = 10_000;

function parsedKeyRecord(record: string): KeyRecord {
  let parsed = parsedKeys.get(record);
  if (!parsed) {
    if (parsedKeys.size >= MAX_PARSED_KEYS) parsedKeys.clear();
    parsed = parseKeyRecord(record);
    parsedKeys.set(record, parsed);
  }
  return parsed;
}

function keyMismatch(signature: DkimSignature, key: Extract<KeyRecord, { status: 'usable' }>): string | null {
  const [keyType, hash] = signature.algorithm.split('-') as [string, string];
  if (keyType !== key.keyType) return `key is ${key.keyType}, signature is ${signature.algorithm}`;
  if (key.hashes && !key.hashes.includes(hash)) return `key does not allow ${hash} (h=${key.hashes.join(':')})`;
  if (key.strictIdentity && signature.identity !== null) {
    const identityDomain = signature.identity.slice(signature.identity.lastIndexOf('@') + 1);
    if (asciiLowerCase(identityDomain) !== asciiLowerCase(signature.d)) return 'key has t=s but i= is a subdomain of d=';
  }
  return null;
}

function verifyHeader(signature: DkimSignature, keyType: 'rsa' | 'ed25519', key: import('node:crypto').KeyObject, data: Buffer): boolean {
  try {
    if (keyType === 'ed25519') return verify(null, createHash('sha256').update(data).digest(), key, signature.signature);
    return verify(signature.algorithm === 'rsa-sha1' ? 'sha1' : 'sha256', data, key, signature.signature);
  } catch {
    return false; // a signature of the wrong length for the key, say: it does not verify
  }
}

/**
 * Body hashes computed once per (reading, canonicalization, hash): one pass yields the digest at every l= the
 * message's signatures use, so signatures sharing a body share its hashing however many l= values they carry.
 */
export class BodyHashCache {
  private readonly results = new Map<string, BodyDigests>();
  private readonly limits = new Map<string, number[]>();
  constructor(signatures: readonly DkimSignature[]) {
    for (const signature of signatures) {
      if (signature.l === null) continue;
      const pass = passKey(signature);
      const limits = this.limits.get(pass);
      if (limits) limits.push(signature.l);
      else this.limits.set(pass, [signature.l]);
    }
  }
  get(reading: BodyReading, signature: DkimSignature): BodyHashResult {
    const pass = passKey(signature);
    const key = `${reading.name}|${pass}`;
    let result = this.results.get(key);
    if (!result) {
      result = hashBodyAt(reading.body, signature.bodyCanon, hashOf(signature), this.limits.get(pass) ?? []);
      this.results.set(key, result);
    }
    const digest = result.digests.get(signature.l);
    if (digest === undefined) throw new Error(`body hash for l=${signature.l} was not computed: the signature was not given to the cache`);
    return { digest, canonicalLength: result.canonicalLength };
  }
}

function hashOf(signature: DkimSignature): 'sha256' | 'sha1' {
  return signature.algorithm.endsWith('sha1') ? 'sha1' : 'sha256';
}

function passKey(signature: DkimSignature): string {
  return `${signature.bodyCanon}|${hashOf(signature)}`;
}

const EMPTY_RELAXED_AS_CRLF: Record<string, string> = {
  sha256: createHash('sha256').update('\r\n').digest('base64'),
  sha1: createHash('sha1').update('\r\n').digest('base64'),
};

/** Hashes the readings in turn (the first is the message as read) until one matches bh=. */
function matchBody(signature: DkimSignature, readings: Iterable<BodyReading>, cache: BodyHashCache) {
  let first: BodyHashResult | null = null;
  for (const reading of readings) {
    const result = cache.get(reading, signature);
    const primary = first === null;
    first ??= result;
    if (result.digest === signature.bodyHash || emptyRelaxedAsCrlf(signature, result)) {
      return { matched: true, result, reading: reading.name, primary };
    }
  }
  return { matched: false, result: first!, reading: null, primary: true };
}

/**
 * RFC 6376 erratum 3080 made the relaxed canonical form of an empty body empty; signers written before it
 * (dkimpy among them) hash a single CRLF. Both mean "no body", so either is accepted.
 */
function emptyRelaxedAsCrlf(signature: DkimSignature, result: BodyHashResult): boolean {
  if (signature.bodyCanon !== 'relaxed' || result.canonicalLength !== 0 || signature.l) return false;
  return EMPTY_RELAXED_AS_CRLF[hashOf(signature)] === signature.bodyHash;
}

