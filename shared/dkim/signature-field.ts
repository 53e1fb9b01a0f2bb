import type { HeaderField } from './header-fields.ts';
import { fieldValue } from './header-fields.ts';
import type { Canonicalization } from './canonicalize-header.ts';
import type { SignatureTags } from '../verdict/contract.ts';
import { asciiLowerCase, trimFws } from './ascii.ts';
import { MAX_SIGNED_HEADER_NAMES } from './limits.ts';
import { base64Value, parseTagList } from './tag-list.ts';

export type Algorithm = 'rsa-sha256' | 'rsa-sha1' | 'ed25519-sha256';
const ALGORITHMS: readonly string[] = ['rsa-sha256', 'rsa-sha1', 'ed25519-sha256'];


/** A DKIM-Signature that is well-formed enough to check (RFC 6376 §3.5, §6.1.1). */
export interface DkimSignature extends SignatureTags {
  d: string;
  s: string;
  algorithm: Algorithm;
  headerCanon: Canonicalization;
  bodyCanon: Canonicalization;
  signature: Buffer;
  bodyHash: string;
  identity: string | null;
  field: HeaderField;
  /** ARC-Message-Signature only: its instance (i=, 1–50), which replaces DKIM's identity (RFC 8617 §4.1.2). */
  instance?: number;
}

/**
 * What kind of field is parsed: a DKIM-Signature, or an ARC-Message-Signature, which has DKIM-Signature's
 * syntax and semantics except that it has no v= and its i= is the ARC instance, not an identity (RFC 8617 §4.1.2).
 */
export type SignatureKind = 'dkim' | 'arc-message';

/** The highest ARC instance (RFC 8617 §4.2.1): a chain may have at most 50 sets. */
export const MAX_ARC_INSTANCE = 50;

export type ParsedSignature =
  | { ok: true; signature: DkimSignature }
  | { ok: false; tags: SignatureTags; detail: string; overLimit?: true };

/** RFC 1035's limit on a name; longer d= or s= values are not names and are not looked up. */
const MAX_DOMAIN_LENGTH = 253;
const DOMAIN = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*\.?$/;

export function parseSignatureField(field: HeaderField, kind: SignatureKind = 'dkim'): ParsedSignature {
  const what = kind === 'dkim' ? 'DKIM-Signature' : 'ARC-Message-Signature';
  let tags: Map<string, string>;
  try {
    tags = parseTagList(fieldValue(field));
  } catch (error) {
    return { ok: false, tags: emptyTags(), detail: `malformed ${what}: ${(error as Error).message}` };
  }
  const written = writtenTags(tags);
  const invalid = (detail: string): ParsedSignature => ({ ok: false, tags: written, detail });

  for (const required of kind === 'dkim' ? ['v', 'a', 'b', 'bh', 'd', 'h', 's'] : ['i', 'a', 'b', 'bh', 'd', 'h', 's']) {
    if (!tags.get(required)) return invalid(`${what} lacks ${required}=`);
  }
  if (kind === 'dkim' && tags.get('v') !== '1') return invalid(`unsupported DKIM-Signature version v=${tags.get('v')}`);
  const instance = kind === 'arc-message' ? arcInstance(tags.get('i')) : undefined;
  if (instance === null) return invalid(`i= is not an ARC instance (1 to ${MAX_ARC_INSTANCE}): ${JSON.stringify(tags.get('i')!.slice(0, 20))}`);
  const algorithm = asciiLowerCase(written.a!);
  if (!ALGORITHMS.includes(algorithm)) return invalid(`unsupported algorithm a=${written.a}`);
  const d = written.d!;
  if (!isDomainName(d)) return invalid(`d= is not a domain name: ${JSON.stringify(d.slice(0, 80))}`);
  if (!isDomainName(written.s!)) return invalid(`s= is not a selector: ${JSON.stringify(written.s!.slice(0, 80))}`);
  if (written.h.length > MAX_SIGNED_HEADER_NAMES) {
    return { ok: false, tags: written, detail: `h= lists ${written.h.length} names, over the limit of ${MAX_SIGNED_HEADER_NAMES}: not checked`, overLimit: true };
  }
  if (!written.h.includes('from')) return invalid('h= does not cover From');
  // q= names how to fetch the key; a list without dns/txt leaves no way to fetch it (RFC 6376 §3.5).
  const query = tags.get('q');
  if (query !== undefined && !query.split(':').some((method) => asciiLowerCase(trimFws(method)) === 'dns/txt')) {
    return invalid(`q=${query.slice(0, 40)} lists no dns/txt: the key cannot be fetched`);
  }
  const signatureBytes = base64Value(tags.get('b')!);
  if (signatureBytes === null) return invalid('b= is not base64');
  const bodyHash = base64Value(tags.get('bh')!);
  if (bodyHash === null) return invalid('bh= is not base64');
  for (const numeric of ['l', 't', 'x'] as const) {
    const raw = tags.get(numeric);
    if (raw !== undefined && written[numeric] === null) return invalid(`${numeric}= is not a number: ${raw}`);
  }
  if (written.t !== null && written.x !== null && written.x < written.t) return invalid('x= is earlier than t=');
  const canon = canonicalization(written.c);
  if (!canon) return invalid(`unsupported canonicalization c=${written.c}`);
  // i= is [local-part] "@" domain (RFC 6376 §3.5): without "@" it is not an identity at all. (ARC: the instance.)
  const identity = kind === 'dkim' ? (tags.get('i') ?? null) : null;
  if (identity !== null && !identity.includes('@')) return invalid('i= has no "@"');
  if (identity !== null && !isWithin(identity.slice(identity.lastIndexOf('@') + 1), d)) {
    return invalid('i= is not within d=');
  }
  return {
    ok: true,
    signature: {
      ...written,
      d,
      s: written.s!,
      algorithm: algorithm as Algorithm,
      headerCanon: canon[0],
      bodyCanon: canon[1],
      signature: Buffer.from(signatureBytes, 'base64'),
      bodyHash,
      identity,
      field,
      ...(instance === undefined ? {} : { instance }),
    },
  };
}

/** A d= or s= value that is a DNS name (RFC 1035's length limit included); anything else is not looked up. */
export function isDomainName(text: string): boolean {
  return text.length <= MAX_DOMAIN_LENGTH && DOMAIN.test(text);
}

/** An ARC i= value: 1 to 50 written as 1*2DIGIT (RFC 8617 §4.2.1); null for anything else. */
export function arcInstance(value: string | undefined): number | null {
  if (value === undefined || !/^[0-9]{1,2}$/.test(value)) return null;
  const instance = Number(value);
  return instance >= 1 && instance <= MAX_ARC_INSTANCE ? instance : null;
}

/** True when `domain` is `parent` or a subdomain of it. */
function isWithin(domain: string, parent: string): boolean {
  const child = asciiLowerCase(domain).replace(/\.$/, '');
  const base = asciiLowerCase(parent).replace(/\.$/, '');
  return child === base || child.endsWith(`.${base}`);
}

function writtenTags(tags: Map<string, string>): SignatureTags {
  return {
    d: tags.get('d') ?? null,
    s: tags.get('s') ?? null,
    a: tags.get('a') ?? null,
    c: tags.get('c') ?? null,
    h: (tags.get('h') ?? '')
      .split(':')
      .map((name) => asciiLowerCase(trimFws(name)))
      .filter((name) => name !== ''),
    l: decimal(tags.get('l')),
    t: decimal(tags.get('t')),
    x: decimal(tags.get('x')),
  };
}

function emptyTags(): SignatureTags {
  return { d: null, s: null, a: null, c: null, h: [], l: null, t: null, x: null };
}

function decimal(value: string | undefined): number | null {
  return value !== undefined && /^\d{1,76}$/.test(value) ? Number(value) : null;
}

function canonicalization(c: string | null): [Canonicalization, Canonicalization] | null {
  const [header = 'simple', body = 'simple'] = asciiLowerCase(c ?? 'simple/simple').split('/');
  const modes = ['simple', 'relaxed'];
  if (!modes.includes(header) || !modes.includes(body)) return null;
  return [header as Canonicalization, body as Canonicalization];
}
