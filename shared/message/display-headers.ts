import { createRequire } from 'node:module';
import type { AddressObject, MailParser } from 'mailparser';
import { splitMessage } from '../dkim/header-fields.ts';
import type { MessageHeaders } from '../ports/verdict-store.ts';

/** The headers of a message whose displayed fields could not be decoded. */
export const NO_DISPLAY_HEADERS: MessageHeaders = { messageId: null, from: null, date: null, subject: null, sender: null, to: null, cc: null };

/** One header field as mailparser's header step takes it: lower-case name, raw field as a binary string. */
interface HeaderLine {
  key: string;
  line: string;
}

/**
 * mailparser's own header step (RFC 2047 words, charsets, address lists, its guards against addresses forged in
 * encoded words), without its stream pipeline: `simpleParser` on the displayed fields alone cost ~100 µs a message
 * on the thread that stores them, most of it streams and timers, not decoding. `processHeaders` is not in
 * mailparser's typings; mailparser is pinned, and display-headers.test.ts holds the result equal to `simpleParser`'s.
 */
interface HeaderStep {
  processHeaders(lines: HeaderLine[]): Map<string, unknown>;
}
let headerStep: HeaderStep | undefined;

/**
 * mailparser loads when the first message is described, not when the command starts: with html-to-text and
 * its parsers it is ~80 ms of start-up, spent instead while the workers verify. Synchronously, so describing
 * stays a plain function.
 */
function loadHeaderStep(): HeaderStep {
  const { MailParser: Parser } = createRequire(import.meta.url)('mailparser') as { MailParser: typeof MailParser };
  return new Parser() as unknown as HeaderStep;
}

/**
 * Decodes the headers people read beside a verdict with mailparser's header decoding. Only the displayed fields
 * (displayFieldsOf) are handed to it, never the body or the long Received and DKIM chains. These values are for
 * display; verification always works on the original bytes.
 */
export function displayHeaders(displayFields: Buffer): MessageHeaders {
  headerStep ??= loadHeaderStep();
  const lines = splitMessage(displayFields).fields.map((field) => ({ key: field.key, line: field.raw.toString('binary') }));
  const decoded = headerStep.processHeaders(lines.filter((line) => line.key !== 'date'));
  const from = decoded.get('from') as AddressObject | undefined;
  const subject = decoded.get('subject');
  const messageId = decoded.get('message-id');
  return {
    messageId: typeof messageId === 'string' ? messageId : null,
    from: from?.text ?? null,
    date: dateOf(lines.findLast((line) => line.key === 'date')),
    subject: typeof subject === 'string' ? subject : null,
    sender: from?.value[0]?.address?.toLowerCase() || null,
    to: addressesText(decoded.get('to') as AddressObject | AddressObject[] | undefined),
    cc: addressesText(decoded.get('cc') as AddressObject | AddressObject[] | undefined),
  };
}

/**
 * The Date field as an ISO time, read as mailparser reads it (JavaScript's date parser), except that a Date it
 * cannot read is none: mailparser puts the time of parsing in its place.
 */
function dateOf(line: HeaderLine | undefined): string | null {
  if (line === undefined) return null;
  const value = line.line.slice(line.line.indexOf(':') + 1);
  // Unfolded as mailparser does (libmime's decodeHeader): every line end and the white space after it is one space.
  const date = new Date(Buffer.from(value, 'binary').toString().replace(/[\r\n]+[ \t]*/g, ' ').trim());
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * An address field as people read it. displayFieldsOf ships one instance of each name, so mailparser gives one
 * object; an array (several instances) is joined all the same. Empty (a field with no address) is null.
 */
function addressesText(field: AddressObject | AddressObject[] | undefined): string | null {
  const text = (Array.isArray(field) ? field : field === undefined ? [] : [field]).map((object) => object.text).join(', ');
  return text === '' ? null : text;
}
