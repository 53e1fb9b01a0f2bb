import addressparser from 'nodemailer/lib/addressparser/index.js';
import { fieldValue, type HeaderField } from '../dkim/header-fields.ts';

/** The header fields whose every instance a `verified` signature must cover. */
export const PROTECTED_HEADERS = ['from', 'subject', 'date', 'to', 'cc'] as const;

/** What the verdict rules need to know about a message besides its signatures. */
export interface MessageContext {
  /** Domain of the From address the signatures cover (the bottom-most From field). */
  fromDomain: string | null;
  /** Instances of each protected header field in the message. */
  headerCounts: Record<(typeof PROTECTED_HEADERS)[number], number>;
  /** When the message was received: the topmost Received field's date, else the Date field. */
  receivedAt: Date | null;
}

export function messageContext(fields: readonly HeaderField[]): MessageContext {
  const headerCounts = Object.fromEntries(PROTECTED_HEADERS.map((name) => [name, 0])) as MessageContext['headerCounts'];
  for (const field of fields) {
    if (field.key in headerCounts) headerCounts[field.key as keyof typeof headerCounts]++;
  }
  const from = fields.findLast((field) => field.key === 'from');
  return { fromDomain: from ? addressDomain(fieldValue(from)) : null, headerCounts, receivedAt: receiptTime(fields) };
}

function addressDomain(value: string): string | null {
  const address = addressparser(value, { flatten: true })[0]?.address ?? '';
  const at = address.lastIndexOf('@');
  return at === -1 ? null : address.slice(at + 1).toLowerCase() || null;
}

/**
 * The topmost Received field was added by the last hop — the receiving server — so its date is the receipt
 * time (RFC 5321 §4.4: the date follows the last ';'). Without one, the Date field is the best evidence left.
 */
function receiptTime(fields: readonly HeaderField[]): Date | null {
  const received = fields.find((field) => field.key === 'received');
  if (received) {
    const value = fieldValue(received);
    const date = parseDate(value.slice(value.lastIndexOf(';') + 1));
    if (date) return date;
  }
  const dateField = fields.find((field) => field.key === 'date');
  return dateField ? parseDate(fieldValue(dateField)) : null;
}

function parseDate(text: string): Date | null {
  // RFC 5322 dates may carry a trailing comment such as "(UTC)", which Date.parse rejects.
  const time = Date.parse(text.replace(/\([^)]*\)/g, '').trim());
  return Number.isNaN(time) ? null : new Date(time);
}
