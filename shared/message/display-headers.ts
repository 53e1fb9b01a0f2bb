import { simpleParser } from 'mailparser';
import type { MessageHeaders } from '../ports/verdict-store.ts';


/**
 * Decodes the headers people read beside a verdict (RFC 2047 words, charsets, address lists) with mailparser.
 * Only the four displayed fields (displayFieldsOf) are handed to it, never the body or the long Received and DKIM chains: parsing
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
  };
}
