import type { HeaderField } from '../dkim/header-fields.ts';

const DISPLAYED = ['from', 'to', 'cc', 'subject', 'date', 'message-id'] as const;
const CRLF = Buffer.from('\r\n');
/**
 * Longest field handed to the display decoder. A Subject of 250 KB or a 16 MB header line is shown cut; the
 * verdict is computed on the whole bytes regardless.
 */
export const MAX_DISPLAYED_FIELD_BYTES = 64 * 1024;

/**
 * The displayed fields of a message, raw, as a small header section of their own. Of several instances of a
 * name, the bottom-most is shown: it is the one a DKIM signature covers first (RFC 6376 §5.4.2), so what is
 * shown is what was signed. (Several instances of these fields are a caveat on the verdict of their own.)
 */
export function displayFieldsOf(fields: readonly HeaderField[]): Buffer {
  const shown = DISPLAYED.flatMap((name) => fields.findLast((field) => field.key === name) ?? []);
  return Buffer.concat([...shown.flatMap((field) => [field.raw.subarray(0, MAX_DISPLAYED_FIELD_BYTES), CRLF]), CRLF]);
}
