import { asciiLowerCase } from '../dkim/ascii.ts';
import { fieldValue, type FieldIndex, type HeaderField } from '../dkim/header-fields.ts';
import { arcInstance, isDomainName, MAX_ARC_INSTANCE, parseSignatureField, type DkimSignature } from '../dkim/signature-field.ts';
import { base64Value, parseTagList } from '../dkim/tag-list.ts';
import { withoutComments } from '../message/message-context.ts';
import { readClaims, type ReadClaims } from './claims.ts';

/**
 * The ARC sets of a message read and checked for structure (RFC 8617 §4.2, §5.2 steps 1–3) before any key is
 * fetched: instances 1..N with exactly one ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results each,
 * at most 50 sets, cv=none on i=1 and cv=pass after it. A structural fault fails the chain with no lookup.
 */

/**
 * Most bytes of ARC header fields read. Each ARC-Seal signs every set below it, so sealing work grows with the
 * square of the chain: capped, that is at most 50 × 256 KiB hashed. Real sets are 2–4 KB.
 */
export const MAX_ARC_HEADER_BYTES = 256 * 1024;

const ARC_NAMES = ['arc-seal', 'arc-message-signature', 'arc-authentication-results'] as const;

/** An ARC-Seal well-formed enough to check (RFC 8617 §4.1.3). */
export interface ArcSeal {
  instance: number;
  algorithm: 'rsa-sha256' | 'ed25519-sha256';
  d: string;
  s: string;
  cv: 'none' | 'pass' | 'fail';
  t: number | null;
  signature: Buffer;
  /** ARC-Seals have no identity: here for the key checks DKIM signatures share. */
  identity: null;
  field: HeaderField;
}

export interface ArcSet {
  instance: number;
  seal: ArcSeal;
  messageSignature: DkimSignature;
  results: HeaderField;
  claims: ReadClaims;
}

export type ArcSets =
  | { state: 'none' }
  | { state: 'fail'; detail: string }
  /** Structurally sound, oldest first: ready for the keys. */
  | { state: 'sets'; sets: ArcSet[] };

export function readArcSets(fields: readonly HeaderField[], index: FieldIndex): ArcSets {
  const found = ARC_NAMES.flatMap((name) => (index.get(name) ?? []).map((i) => fields[i]!));
  if (found.length === 0) return { state: 'none' };
  if (found.length > 3 * MAX_ARC_INSTANCE) return fail(`${found.length} ARC header fields: more than ${MAX_ARC_INSTANCE} sets`);
  const bytes = found.reduce((sum, field) => sum + field.raw.length, 0);
  if (bytes > MAX_ARC_HEADER_BYTES) return fail(`ARC header fields of ${bytes} bytes, over the limit of ${MAX_ARC_HEADER_BYTES}: not checked`);

  const seals = new Map<number, ArcSeal>();
  const signatures = new Map<number, DkimSignature>();
  const results = new Map<number, HeaderField>();
  for (const name of ARC_NAMES) {
    for (const i of index.get(name) ?? []) {
      const field = fields[i]!;
      const read = name === 'arc-seal' ? parseArcSeal(field) : name === 'arc-message-signature' ? parseMessageSignature(field) : resultsInstance(field);
      if (typeof read === 'string') return fail(read);
      const instance = typeof read === 'number' ? read : read.instance!;
      const into: Map<number, unknown> = name === 'arc-seal' ? seals : name === 'arc-message-signature' ? signatures : results;
      if (into.has(instance)) return fail(`i=${instance}: more than one ${field.name}`);
      if (name === 'arc-seal') seals.set(instance, read as ArcSeal);
      else if (name === 'arc-message-signature') signatures.set(instance, read as DkimSignature);
      else results.set(instance, field);
    }
  }
  const newest = Math.max(...seals.keys(), ...signatures.keys(), ...results.keys());
  const sets: ArcSet[] = [];
  for (let instance = 1; instance <= newest; instance++) {
    const seal = seals.get(instance);
    const messageSignature = signatures.get(instance);
    const result = results.get(instance);
    if (!seal || !messageSignature || !result) {
      const missing = !seal ? 'ARC-Seal' : !messageSignature ? 'ARC-Message-Signature' : 'ARC-Authentication-Results';
      return fail(`i=${instance}: no ${missing} (the chain has a gap)`);
    }
    const expected = instance === 1 ? 'none' : 'pass';
    // The newest seal's cv=fail says a sealer already found the chain broken (RFC 8617 §5.2 step 2).
    if (seal.cv !== expected) return fail(`i=${instance}: cv=${seal.cv}, expected cv=${expected}`);
    sets.push({ instance, seal, messageSignature, results: result, claims: readClaims(fieldValue(result)) });
  }
  return { state: 'sets', sets };
}

function fail(detail: string): ArcSets {
  return { state: 'fail', detail };
}

/** An ARC-Seal, or why it is not one. */
function parseArcSeal(field: HeaderField): ArcSeal | string {
  let tags: Map<string, string>;
  try {
    tags = parseTagList(fieldValue(field));
  } catch (error) {
    return `malformed ARC-Seal: ${(error as Error).message}`;
  }
  for (const required of ['i', 'a', 'b', 'd', 's', 'cv']) {
    if (!tags.get(required)) return `ARC-Seal lacks ${required}=`;
  }
  const instance = arcInstance(tags.get('i'));
  if (instance === null) return `ARC-Seal i= is not an instance (1 to ${MAX_ARC_INSTANCE})`;
  // The seal signs the ARC sets, never other fields: an h= would say otherwise (RFC 8617 §4.1.3).
  if (tags.has('h')) return `i=${instance}: ARC-Seal has an h= tag`;
  const algorithm = asciiLowerCase(tags.get('a')!);
  if (algorithm !== 'rsa-sha256' && algorithm !== 'ed25519-sha256') return `i=${instance}: ARC-Seal algorithm a=${tags.get('a')!.slice(0, 40)} is not supported`;
  const d = tags.get('d')!;
  const s = tags.get('s')!;
  if (!isDomainName(d) || !isDomainName(s)) return `i=${instance}: ARC-Seal d= or s= is not a domain name`;
  const cv = asciiLowerCase(tags.get('cv')!);
  if (cv !== 'none' && cv !== 'pass' && cv !== 'fail') return `i=${instance}: ARC-Seal cv=${cv.slice(0, 20)} is not none, pass or fail`;
  const signature = base64Value(tags.get('b')!);
  if (signature === null) return `i=${instance}: ARC-Seal b= is not base64`;
  const t = tags.get('t');
  return { instance, algorithm, d, s, cv, t: t !== undefined && /^\d{1,12}$/.test(t) ? Number(t) : null, signature: Buffer.from(signature, 'base64'), identity: null, field };
}

/** An ARC-Message-Signature well-formed enough to check, or why not. */
function parseMessageSignature(field: HeaderField): DkimSignature | string {
  const parsed = parseSignatureField(field, 'arc-message');
  if (!parsed.ok) return parsed.detail;
  // A message signature over a seal would tie it to a set it does not belong to (RFC 8617 §4.1.2).
  if (parsed.signature.h.includes('arc-seal')) return `i=${parsed.signature.instance}: ARC-Message-Signature signs ARC-Seal`;
  return parsed.signature;
}

/** The instance an ARC-Authentication-Results starts with ("i=1; mx.example; …"), or why it has none. */
function resultsInstance(field: HeaderField): number | string {
  const value = fieldValue(field);
  const semicolon = value.indexOf(';');
  const head = withoutComments(semicolon === -1 ? value : value.slice(0, semicolon)).replace(/[ \t\r\n]+/g, '');
  const instance = head.startsWith('i=') ? arcInstance(head.slice(2)) : null;
  return instance ?? `ARC-Authentication-Results does not start with an instance i= (1 to ${MAX_ARC_INSTANCE})`;
}
