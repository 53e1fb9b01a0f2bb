/**
 * Splits a message's header section into fields without re-serialising anything: each field keeps its raw
 * bytes, so "simple" canonicalisation can hash exactly what was sent. Bare LF and CRLF line ends are both
 * accepted (mbox and many exports store LF); canonicalisation turns either into CRLF, as dkimpy and mailauth do.
 */
import { COLON, CR, HTAB, LF, SP } from './octets.ts';

export interface HeaderField {
  /** Field name as written. */
  name: string;
  /** Lower-cased name, for matching h= and for counting instances. */
  key: string;
  /** The raw field: name, colon, value and folded continuation lines, without the final line end. */
  raw: Buffer;
}

export interface SplitMessage {
  fields: HeaderField[];
  /** Offset of the first body byte (after the empty line), or the message length when there is no body. */
  bodyStart: number;
}


export function splitMessage(message: Buffer): SplitMessage {
  const fields: HeaderField[] = [];
  let fieldStart = -1;
  let fieldEnd = -1;
  let pos = 0;
  const closeField = () => {
    if (fieldStart >= 0) {
      const raw = message.subarray(fieldStart, fieldEnd);
      const colon = raw.indexOf(COLON);
      const name = raw.toString('latin1', 0, colon);
      fields.push({ name, key: name.toLowerCase(), raw });
    }
    fieldStart = -1;
  };
  while (pos < message.length) {
    const lf = message.indexOf(LF, pos);
    const next = lf === -1 ? message.length : lf + 1;
    const contentEnd = lf === -1 ? message.length : lf > pos && message[lf - 1] === CR ? lf - 1 : lf;
    if (contentEnd === pos && lf !== -1) {
      closeField();
      return { fields, bodyStart: next };
    }
    const first = message[pos];
    if ((first === SP || first === HTAB) && fieldStart >= 0) {
      fieldEnd = contentEnd; // a folded continuation of the open field
    } else {
      closeField();
      if (isFieldStart(message, pos, contentEnd)) {
        fieldStart = pos;
        fieldEnd = contentEnd;
      }
      // Anything else (an mbox "From " envelope line, stray text) is not a field: dkimpy skips it too.
    }
    pos = next;
  }
  closeField();
  return { fields, bodyStart: message.length };
}

/** A field starts with a name of printable ASCII other than ':' followed directly by ':'. */
function isFieldStart(message: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = message[i]!;
    if (byte === COLON) return i > start;
    if (byte < 0x21 || byte > 0x7e) return false;
  }
  return false;
}

/** The field's value: everything after the first colon, unfolded, as text (8-bit bytes read as latin-1). */
export function fieldValue(field: HeaderField): string {
  const colon = field.raw.indexOf(COLON);
  return field.raw.toString('latin1', colon + 1).replace(/\r?\n/g, '');
}
