import type { HeaderField } from '../dkim/header-fields.ts';

const DISPLAYED = new Set(['from', 'subject', 'date', 'message-id']);
const CRLF = Buffer.from('\r\n');

/** The displayed fields of a message, raw, as a small header section of their own. */
export function displayFieldsOf(fields: readonly HeaderField[]): Buffer {
  const shown = fields.filter((field) => DISPLAYED.has(field.key));
  return Buffer.concat([...shown.flatMap((field) => [field.raw, CRLF]), CRLF]);
}
