/**
 * Splits a message's header section into fields without re-serialising anything: each field keeps its raw
 * bytes, so "simple" canonicalisation can hash exactly what was sent. Bare LF and CRLF line ends are both
 * accepted (mbox and many exports store LF); canonicalisation turns either into CRLF, as dkimpy and mailauth do.
 *
 * A field is a name of printable ASCII, optional white space, then a colon (RFC 5322 §3.6.8, and §4.5's
 * obsolete `name WSP* :`, which mail clients still read as a field: an injected `From : …` must count). Lines
 * that are neither a field, nor a continuation of one, nor a leading mbox envelope line are counted as
 * malformed: readers disagree on what they mean, so such a message cannot be called verified.
 */
import { asciiLowerCase } from './ascii.ts';
import { NextOccurrence } from './next-occurrence.ts';
import { COLON, CR, HTAB, LF, SP } from './octets.ts';

export interface HeaderField {
  /** Field name as written, without any white space before the colon. */
  name: string;
  /** Lower-cased name, for matching h= and for counting instances. */
  key: string;
  /** The raw field: name, colon, value and folded continuation lines, without the final line end. */
  raw: Buffer;
  /** Offset of the colon in `raw`. */
  colon: number;
}

export interface SplitMessage {
  fields: HeaderField[];
  /** Offset of the first body byte (after the empty line), or the message length when there is no body. */
  bodyStart: number;
  /** Header-section lines that are neither a field nor a continuation of one (nor a leading envelope line). */
  malformedLines: number;
}

const ENVELOPE = Buffer.from('From ');

export function splitMessage(message: Buffer): SplitMessage {
  const fields: HeaderField[] = [];
  let malformedLines = 0;
  const bareCr = new NextOccurrence(message, CR);
  let fieldStart = -1;
  let fieldEnd = -1;
  let colon = -1;
  let pos = 0;
  const closeField = () => {
    if (fieldStart >= 0) {
      const raw = message.subarray(fieldStart, fieldEnd);
      const name = nameBefore(raw, colon);
      fields.push({ name, key: asciiLowerCase(name), raw, colon });
    }
    fieldStart = -1;
  };
  while (pos < message.length) {
    const lf = message.indexOf(LF, pos);
    const next = lf === -1 ? message.length : lf + 1;
    const contentEnd = lf === -1 ? message.length : lf > pos && message[lf - 1] === CR ? lf - 1 : lf;
    if (contentEnd === pos && lf !== -1) {
      closeField();
      return { fields, bodyStart: next, malformedLines };
    }
    // A CR not before the LF ends a line for some readers (Python's email, some clients) and not for others:
    // "X-Note: x<CR>From: ceo@…" would show them a From no one counted.
    if (bareCr.within(pos, contentEnd)) malformedLines++;
    const first = message[pos];
    if ((first === SP || first === HTAB) && fieldStart >= 0) {
      fieldEnd = contentEnd; // a folded continuation of the open field
      // A continuation of nothing but white space is obsolete syntax (RFC 5322 §4.2) that some readers take
      // for the end of the header section.
      if (onlyWhiteSpace(message, pos, contentEnd)) malformedLines++;
    } else {
      closeField();
      const fieldColon = colonOfFieldStart(message, pos, contentEnd);
      if (fieldColon !== -1) {
        fieldStart = pos;
        fieldEnd = contentEnd;
        colon = fieldColon - pos;
      } else if (!(pos === 0 && message.subarray(0, ENVELOPE.length).equals(ENVELOPE))) {
        // Not a field: an mbox envelope line in first place is expected; anything else is not.
        malformedLines++;
      }
    }
    pos = next;
  }
  closeField();
  return { fields, bodyStart: message.length, malformedLines };
}

/**
 * Where the colon of a field starting at `start` is: after a name of printable ASCII other than ':' and any
 * SP/HTAB (RFC 5322 §3.6.8, §4.5). -1 when the line does not start a field. Linear in the name's length.
 */
function colonOfFieldStart(message: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const byte = message[i]!;
    if (byte === COLON || byte < 0x21 || byte > 0x7e) break;
    i++;
  }
  if (i === start) return -1;
  while (i < end && (message[i] === SP || message[i] === HTAB)) i++;
  return i < end && message[i] === COLON ? i : -1;
}

function nameBefore(raw: Buffer, colon: number): string {
  let end = colon;
  while (end > 0 && (raw[end - 1] === SP || raw[end - 1] === HTAB)) end--;
  return raw.toString('latin1', 0, end);
}

function onlyWhiteSpace(message: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (message[i] !== SP && message[i] !== HTAB) return false;
  return true;
}

/** The field's value: everything after the colon, unfolded, as text (8-bit bytes read as latin-1). */
export function fieldValue(field: HeaderField): string {
  return unfold(field.raw.toString('latin1', field.colon + 1));
}

/** Removes the line breaks of folding (CRLF or the LF an export left), nothing else. */
export function unfold(text: string): string {
  return text.replace(/\r?\n/g, '');
}

/**
 * The fields by lower-cased name, each list top to bottom: h= selection and instance counting look fields up
 * by name instead of scanning the header section once per name (50,000 fields × 50,000 names was minutes).
 */
export type FieldIndex = ReadonlyMap<string, readonly number[]>;

export function indexFields(fields: readonly HeaderField[]): FieldIndex {
  const index = new Map<string, number[]>();
  fields.forEach((field, i) => {
    const list = index.get(field.key);
    if (list) list.push(i);
    else index.set(field.key, [i]);
  });
  return index;
}
