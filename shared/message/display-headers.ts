import { simpleParser } from 'mailparser';
import type { MessageHeaders } from '../ports/verdict-store.ts';

/**
 * Decodes the headers people read beside a verdict (RFC 2047 words, charsets, address lists) with mailparser.
 * Only the header section is parsed: attachments are never decoded, so this stays cheap on large messages.
 * These values are for display; verification always works on the original bytes.
 */
export async function displayHeaders(headerSection: Buffer): Promise<MessageHeaders> {
  const parsed = await simpleParser(headerSection, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  return {
    messageId: parsed.messageId ?? null,
    from: parsed.from?.text ?? null,
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null,
    subject: parsed.subject ?? null,
  };
}
