/**
 * What a message's signatures cover, marked on the message itself: which header field instances each verifying
 * header signature signed, every unsigned instance of a field that matters to a reader, and for an l= signature
 * the unsigned tail of the body. Pure, over the original bytes and the stored evidence.
 *
 * The instances are chosen by the verifier's own h= selection (signedFieldPositions, shared/dkim/header-hash.ts),
 * over the verifier's own field split, so a field is marked signed exactly when its bytes went into the header hash
 * that verified. Only signatures whose header signature holds mark anything: a failing signature's h= is a claim.
 */
import { hashBody } from '../dkim/body-hash.ts';
import type { Canonicalization } from '../dkim/canonicalize-header.ts';
import { indexFields, splitMessage, unfold, type HeaderField } from '../dkim/header-fields.ts';
import { signedFieldPositions } from '../dkim/header-hash.ts';
import { LF } from '../dkim/octets.ts';
import { decodeBody } from '../mime/decode-body.ts';
import { walkMime } from '../mime/mime-tree.ts';
import libmime from 'libmime';
import type { SignatureEvidence } from '../verdict/contract.ts';

/** Fields a reader looks at, or that decide how the message is read: an unsigned instance of one is worth naming. */
export const FIELDS_THAT_MATTER = [
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'mime-version',
] as const;
const MATTERS: ReadonlySet<string> = new Set(FIELDS_THAT_MATTER);
/** Of these, mail clients show one instance (the topmost, for most): an unsigned one there is what a reader sees. */
const SHOWN_ONCE: ReadonlySet<string> = new Set(['from', 'sender', 'reply-to', 'to', 'cc', 'subject', 'date']);

/** A displayed value is cut here (characters): the bytes, whole, are in the header section and the original. */
export const MAX_VALUE_CHARS = 4_096;
/** Header fields listed one by one; past this the list ends with a note (the unsigned ones that matter are all found). */
export const MAX_LISTED_FIELDS = 1_000;
/** The unsigned tail shown, in characters. */
export const MAX_TAIL_CHARS = 64 * 1024;
/**
 * Bodies longer than this get no tail located: locating it re-measures the canonical length of prefixes by
 * bisection (about log2(lines) passes of the body), so it is bounded here; the lengths are still given.
 */
export const MAX_TAIL_BODY_BYTES = 8 * 1024 * 1024;

export interface FieldMark {
  name: string;
  /** Decoded for display (RFC 2047 words, UTF-8 or Latin-1 bytes), unfolded, cut at MAX_VALUE_CHARS. */
  value: string;
  valueTruncated: boolean;
  /** Position in the header section, top first (0-based). */
  position: number;
  /** Instance of this name counted from the bottom (1: the bottom-most, the one a signature takes first). */
  index: number;
  /** Indexes of the signatures whose verifying header signature covers this instance. */
  signedBy: number[];
  matters: boolean;
}

export interface UnsignedField {
  name: string;
  value: string;
  position: number;
  index: number;
  note: string;
}

export interface SignatureMarks {
  index: number;
  d: string | null;
  s: string | null;
  /** Whether this signature's header hash verified: only then do its marks say what was signed. */
  headerSignature: SignatureEvidence['headerSignature'];
  bodyHash: SignatureEvidence['bodyHash'];
  /** The instances its h= selects, as positions in the header section, in h= order. */
  positions: number[];
  /** Names in h= with no instance left to take: it signs their absence (adding one breaks it). */
  signedAbsent: string[];
}

export interface BodyTail {
  signature: number;
  /** l=: canonical body bytes signed. */
  signedBytes: number;
  /** The whole canonical body's length, as verified. */
  totalBytes: number;
  /** Canonical bytes not signed (totalBytes − signedBytes). */
  tailLength: number;
  /** The unsigned tail as text (decoded when it lies in one quoted-printable or base64 text part), cut at MAX_TAIL_CHARS; null when not located. */
  tail: string | null;
  tailTruncated: boolean;
  /** Why the tail is not shown, or how it was read. */
  note: string | null;
}

export interface MessageCoverage {
  fields: FieldMark[];
  fieldsTruncated: boolean;
  signatures: SignatureMarks[];
  unsignedThatMatter: UnsignedField[];
  lTails: BodyTail[];
  /** Why nothing is marked (no header signature verifies), or null. */
  note: string | null;
}

/** The coverage marks of a message, from its bytes as verified and its stored signature evidence. */
export function messageCoverage(message: Buffer, signatures: readonly SignatureEvidence[]): MessageCoverage {
  const split = splitMessage(message);
  const index = indexFields(split.fields);
  const selections = signatures.map((signature) => signedFieldPositions(signature.h, index));
  const signedBy = coveringSignatures(split.fields.length, signatures, selections);
  const marks: SignatureMarks[] = signatures.map((signature, nth) => {
    const positions = selections[nth]!;
    const selected = new Map<string, number>();
    for (const position of positions) selected.set(split.fields[position]!.key, (selected.get(split.fields[position]!.key) ?? 0) + 1);
    const requested = new Map<string, number>();
    for (const name of signature.h) requested.set(name, (requested.get(name) ?? 0) + 1);
    const signedAbsent = [...requested].filter(([name, times]) => times > (selected.get(name) ?? 0)).map(([name]) => name);
    return { index: signature.index, d: signature.d, s: signature.s, headerSignature: signature.headerSignature, bodyHash: signature.bodyHash, positions, signedAbsent };
  });
  const fromBottom = instancesFromBottom(split.fields);
  const anyHeaderSignature = signatures.some((signature) => signature.headerSignature === 'pass');
  const fields: FieldMark[] = [];
  const unsignedThatMatter: UnsignedField[] = [];
  const topmostSeen = new Set<string>();
  split.fields.forEach((field, position) => {
    const matters = MATTERS.has(field.key);
    const topmost = !topmostSeen.has(field.key);
    topmostSeen.add(field.key);
    if (position >= MAX_LISTED_FIELDS && !(matters && anyHeaderSignature && signedBy[position]!.length === 0)) return;
    const { value, truncated } = displayValue(field);
    if (position < MAX_LISTED_FIELDS) fields.push({ name: field.name, value, valueTruncated: truncated, position, index: fromBottom[position]!, signedBy: signedBy[position]!, matters });
    if (matters && anyHeaderSignature && signedBy[position]!.length === 0) {
      unsignedThatMatter.push({ name: field.name, value, position, index: fromBottom[position]!, note: unsignedNote(field, topmost) });
    }
  });
  return {
    fields,
    fieldsTruncated: split.fields.length > MAX_LISTED_FIELDS,
    signatures: marks,
    unsignedThatMatter,
    lTails: signatures.flatMap((signature) => bodyTail(message, split.bodyStart, signature) ?? []),
    note: anyHeaderSignature ? null : 'No signature’s header signature verifies: no field of this message is proven.',
  };
}

/**
 * For each header field (by position), the indexes of the signatures whose header signature verified and whose
 * h= selection (`selections`, one per signature: signedFieldPositions) took it. Only those mark a field signed: a
 * failing signature's h= is a claim. Shared by the message view and the listing's unsignedShown (display-fields.ts).
 */
export function coveringSignatures(fieldCount: number, signatures: readonly SignatureEvidence[], selections: readonly (readonly number[])[]): number[][] {
  const signedBy = Array.from({ length: fieldCount }, (): number[] => []);
  signatures.forEach((signature, nth) => {
    if (signature.headerSignature === 'pass') for (const position of selections[nth]!) signedBy[position]!.push(signature.index);
  });
  return signedBy;
}

function unsignedNote(field: HeaderField, topmost: boolean): string {
  const what = `this ${field.name} is not signed`;
  return SHOWN_ONCE.has(field.key) && topmost ? `${what}; mail clients show it` : what;
}

/** For each field, its instance number among fields of its name counted from the bottom (1-based). */
function instancesFromBottom(fields: readonly HeaderField[]): number[] {
  const seen = new Map<string, number>();
  const result = new Array<number>(fields.length);
  for (let i = fields.length - 1; i >= 0; i--) {
    const count = (seen.get(fields[i]!.key) ?? 0) + 1;
    seen.set(fields[i]!.key, count);
    result[i] = count;
  }
  return result;
}

/** A field's value for reading: unfolded, UTF-8 if its bytes are, else Latin-1, RFC 2047 words decoded, cut. */
export function displayValue(field: HeaderField): { value: string; truncated: boolean } {
  // Four bytes per character at most: a longer raw value is cut before any decoding.
  const rawEnd = Math.min(field.raw.length, field.colon + 1 + MAX_VALUE_CHARS * 4);
  const raw = field.raw.subarray(field.colon + 1, rawEnd);
  // Folding leaves a tab where the line broke: shown as a space.
  let value = unfold(textOf(raw)).replaceAll('\t', ' ').trim();
  try {
    value = libmime.decodeWords(value);
  } catch {
    // A malformed encoded word stays as written.
  }
  const truncated = rawEnd < field.raw.length || value.length > MAX_VALUE_CHARS;
  return { value: value.slice(0, MAX_VALUE_CHARS), truncated };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** Bytes as text: UTF-8 when they are valid UTF-8, else Latin-1 (every byte a character). */
export function textOf(bytes: Buffer): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** The body canonicalisation of a signature's c= ("relaxed/simple" → simple; absent → simple). */
function bodyCanonOf(c: string | null): Canonicalization {
  const body = (c ?? 'simple/simple').split('/')[1]?.trim().toLowerCase();
  return body === 'relaxed' ? 'relaxed' : 'simple';
}

/**
 * The part of the body an l= leaves unsigned, for a signature whose body hash verified with l= shorter than the
 * body. Located by bisection over line starts: the canonical length of a prefix ending at a line start never
 * decreases with it, so the last line start whose prefix is within l= is where the unsigned text begins (an l=
 * inside a line is placed by its byte count in that line, exact for simple canonicalisation).
 */
function bodyTail(message: Buffer, bodyStart: number, signature: SignatureEvidence): BodyTail | null {
  if (signature.l === null || signature.bodyHash !== 'pass' || signature.bodyLength === null || signature.bodyLength <= signature.l) return null;
  const base = { signature: signature.index, signedBytes: signature.l, totalBytes: signature.bodyLength, tailLength: signature.bodyLength - signature.l };
  const body = message.subarray(bodyStart);
  if (body.length > MAX_TAIL_BODY_BYTES) return { ...base, tail: null, tailTruncated: false, note: `the body is over ${MAX_TAIL_BODY_BYTES} bytes: the tail is not located; read it in the original` };
  const mode = bodyCanonOf(signature.c);
  const lineStarts = [0];
  for (let at = body.indexOf(LF); at !== -1 && at + 1 < body.length; at = body.indexOf(LF, at + 1)) lineStarts.push(at + 1);
  const canonicalLength = (end: number) => hashBody(body.subarray(0, end), mode, 'sha256').canonicalLength;
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (canonicalLength(lineStarts[middle]!) <= signature.l) low = middle;
    else high = middle - 1;
  }
  const lineStart = lineStarts[low]!;
  const lineEnd = low + 1 < lineStarts.length ? lineStarts[low + 1]! : body.length;
  const start = Math.min(lineEnd, lineStart + (signature.l - canonicalLength(lineStart)));
  const { text, note } = tailText(message, bodyStart + start);
  return { ...base, tail: text.slice(0, MAX_TAIL_CHARS), tailTruncated: text.length > MAX_TAIL_CHARS, note };
}

/** The message from `start` on as text: decoded when it lies inside one quoted-printable or base64 part. */
function tailText(message: Buffer, start: number): { text: string; note: string | null } {
  const leaf = walkMime(message).leaves.find((candidate) => candidate.bodyStart <= start && start < candidate.bodyEnd);
  const encoded = leaf && (leaf.transferEncoding === 'quoted-printable' || leaf.transferEncoding === 'base64') && leaf.type.startsWith('text/');
  if (!encoded) return { text: textOf(message.subarray(start, start + MAX_TAIL_CHARS * 4)), note: null };
  const decoded = decodeBody(message.subarray(start, Math.min(leaf.bodyEnd, start + MAX_TAIL_CHARS * 4)), leaf.transferEncoding);
  const rest = message.subarray(leaf.bodyEnd, leaf.bodyEnd + MAX_TAIL_CHARS);
  return { text: textOf(decoded) + (rest.length > 0 ? textOf(rest) : ''), note: `decoded from ${leaf.transferEncoding} (part ${leaf.path}); MIME structure after it shown as written` };
}
