import { splitMessage, type HeaderField } from '../../shared/dkim/header-fields.ts';

/**
 * Byte-level edits made to a signed message, the way a forger would: everything else is left exactly as
 * signed, so each edit breaks (or, for additions DKIM ignores, does not break) precisely what it should.
 */

/** Replaces the bottom-most instance of a header field — the one a signature covers — with `field`. */
export function replaceHeaderField(message: Buffer, key: string, field: string): Buffer {
  const { start, end } = fieldSpan(message, bottomMost(message, key));
  return Buffer.concat([message.subarray(0, start), Buffer.from(field, 'latin1'), message.subarray(end)]);
}

/** Inserts `field` on the line just above the bottom-most instance of `key`. */
export function insertHeaderAbove(message: Buffer, key: string, field: string): Buffer {
  const { start } = fieldSpan(message, bottomMost(message, key));
  return Buffer.concat([message.subarray(0, start), Buffer.from(`${field}\r\n`, 'latin1'), message.subarray(start)]);
}

/** Replaces every occurrence of `from` in the body; throws when there is none, so a planned alteration never silently does nothing. */
export function replaceInBody(message: Buffer, from: string, to: string): Buffer {
  const bodyStart = splitMessage(message).bodyStart;
  const needle = Buffer.from(from, 'latin1');
  const replacement = Buffer.from(to, 'latin1');
  const chunks: Buffer[] = [message.subarray(0, bodyStart)];
  let pos = bodyStart;
  let found = 0;
  for (let at = message.indexOf(needle, pos); at !== -1; at = message.indexOf(needle, pos)) {
    chunks.push(message.subarray(pos, at), replacement);
    pos = at + needle.length;
    found++;
  }
  if (found === 0) throw new Error(`cannot alter the body: "${from}" not found`);
  chunks.push(message.subarray(pos));
  return Buffer.concat(chunks);
}

export function appendToBody(message: Buffer, text: Buffer): Buffer {
  return Buffer.concat([message, text]);
}

function bottomMost(message: Buffer, key: string): HeaderField {
  const field = splitMessage(message).fields.findLast((candidate) => candidate.key === key);
  if (!field) throw new Error(`no ${key} field to edit`);
  return field;
}

/** Where a field's bytes sit in the message (its raw bytes are a view into the message buffer). */
function fieldSpan(message: Buffer, field: HeaderField): { start: number; end: number } {
  const start = field.raw.byteOffset - message.byteOffset;
  return { start, end: start + field.raw.length };
}
