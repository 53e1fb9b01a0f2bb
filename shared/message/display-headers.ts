import { simpleParser, type AddressObject } from 'mailparser';
import type { MessageHeaders } from '../ports/verdict-store.ts';

/** The headers of a message whose displayed fields could not be decoded. */
export const NO_DISPLAY_HEADERS: MessageHeaders = { messageId: null, from: null, date: null, subject: null, sender: null, to: null, cc: null };

/**
 * Decodes the headers people read beside a verdict (RFC 2047 words, charsets, address lists) with mailparser.
 * Only the displayed fields (displayFieldsOf) are handed to it, never the body or the long Received and DKIM chains: parsing
 * whole header sections cost more than verifying the message (measured: 280 µs a message against 80 µs).
 * These values are for display; verification always works on the original bytes.
 */
export async function displayHeaders(displayFields: Buffer): Promise<MessageHeaders> {
  const parsed = await simpleParser(displayFields, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  return {
    messageId: parsed.messageId ?? null,
    from: parsed.from?.text ?? null,
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null,
    subject: parsed.subject ?? null,
    sender: parsed.from?.value[0]?.address?.toLowerCase() || null,
    to: addressesText(parsed.to),
    cc: addressesText(parsed.cc),
  };
}

/**
 * An address field as people read it. displayFieldsOf ships one instance of each name, so mailparser gives one
 * object; an array (several instances) is joined all the same. Empty (a field with no address) is null.
 */
function addressesText(field: AddressObject | AddressObject[] | undefined): string | null {
  const text = (Array.isArray(field) ? field : field === undefined ? [] : [field]).map((object) => object.text).join(', ');
  return text === '' ? null : text;
}
