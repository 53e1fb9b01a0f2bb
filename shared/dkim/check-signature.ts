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
  /** headers-pass: the header signature holds and the body was not checked (checkHeadersOnly). */
  status: 'pass' | 'headers-pass' | 'body-hash-mismatch' | 'signature-mismatch' | 'permerror' | 'key-revoked';
  bodyHash: 'pass' | 'fail' | 'not-checked';
  headerSignature: 'pass' | 'fail' | 'not-checked';
  /** Null when the body was not checked. */
  canonicalBodyLength: number | null;
  /** The key that checked (or last failed) the header signature. */
  key: FoundKey | null;
  parsedKey: KeyRecord | null;
  /** Name of the body reading whose hash matched, when it was not the first. */
  reading: string | null;
  detail: string | null;
}

/** What a signature over header data needs to be checked against a key: DKIM-Signature, ARC-Message-Signature, ARC-Seal. */
export type KeyedSignature = Pick<DkimSignature, 'd' | 'algorithm' | 'identity' | 'signature'>;

/** A header signature tried against a selector's keys: pass, or why not. */
export interface KeyCheck {
  status: 'pass' | 'signature-mismatch' | 'permerror' | 'key-revoked';
  headerSignature: 'pass' | 'fail' | 'not-checked';
  key: FoundKey | null;
  parsedKey: KeyRecord | null;
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
  const reading = body.matched && !body.primary ? body.reading : null;
  const header = checkKeys(signature, keys, () => signedHeaderData(fields, signature, index));
  const altered = header.status === 'pass' && !body.matched;
  return {
    ...header,
    status: altered ? 'body-hash-mismatch' : header.status,
    bodyHash: body.matched ? 'pass' : 'fail',
    canonicalBodyLength: body.result.canonicalLength,
    reading,
    detail: altered ? 'header signature valid, body hash does not match: headers genuine, body altered' : header.detail,
  };
}

/**
 * The header signature alone, for a header section whose body is not the one signed (an Outlook item's
 * transport headers: Outlook re-serialises the body). bh= is hashed into the header data as written, as always,
 * but never compared with a body: the body hash is 'not-checked', and a holding header signature is
 * 'headers-pass', never 'pass'.
 */
export function checkHeadersOnly(signature: DkimSignature, fields: readonly HeaderField[], keys: readonly FoundKey[], index: FieldIndex): SignatureCheck {
  const header = checkKeys(signature, keys, () => signedHeaderData(fields, signature, index));
  return {
    ...header,
    status: header.status === 'pass' ? 'headers-pass' : header.status,
    bodyHash: 'not-checked',
    canonicalBodyLength: null,
    reading: null,
    detail: header.status === 'pass' ? 'header signature valid over the transport headers; the body cannot be checked' : header.detail,
  };
}

/**
 * Tries a header signature against each key of its selector: the first that verifies passes it. `data` builds
 * the signed bytes, once, and only when a usable key is found. Shared by DKIM-Signature, ARC-Message-Signature
 * and ARC-Seal checks, which differ only in what the signed bytes are.
 */
export function checkKeys(signature: KeyedSignature, keys: readonly FoundKey[], data: () => Buffer): KeyCheck {
  let lastProblem: { key: FoundKey; parsed: KeyRecord; detail: string } | null = null;
  let revoked: FoundKey | null = null;
  let signed: Buffer | null = null;
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
    signed ??= data();
    if (verifyHeader(signature, parsed.keyType, parsed.key, signed)) {
      return { status: 'pass', headerSignature: 'pass', key, parsedKey: parsed, detail: null };
    }
    lastProblem = { key, parsed, detail: 'header signature does not verify' };
  }
  if (lastProblem && lastProblem.detail === 'header signature does not verify') {
    return { status: 'signature-mismatch', headerSignature: 'fail', key: lastProblem.key, parsedKey: lastProblem.parsed, detail: lastProblem.detail };
  }
  if (lastProblem) {
    return { status: 'permerror', headerSignature: 'not-checked', key: lastProblem.key, parsedKey: lastProblem.parsed, detail: lastProblem.detail };
  }
  return { status: 'key-revoked', headerSignature: 'not-checked', key: revoked, parsedKey: { status: 'revoked' }, detail: 'key revoked (empty p=)' };
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

function keyMismatch(signature: KeyedSignature, key: Extract<KeyRecord, { status: 'usable' }>): string | null {
  const [keyType, hash] = signature.algorithm.split('-') as [string, string];
  if (keyType !== key.keyType) return `key is ${key.keyType}, signature is ${signature.algorithm}`;
  if (key.hashes && !key.hashes.includes(hash)) return `key does not allow ${hash} (h=${key.hashes.join(':')})`;
  if (key.strictIdentity && signature.identity !== null) {
    const identityDomain = signature.identity.slice(signature.identity.lastIndexOf('@') + 1);
    if (asciiLowerCase(identityDomain) !== asciiLowerCase(signature.d)) return 'key has t=s but i= is a subdomain of d=';
  }
  return null;
}

function verifyHeader(signature: KeyedSignature, keyType: 'rsa' | 'ed25519', key: import('node:crypto').KeyObject, data: Buffer): boolean {
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

