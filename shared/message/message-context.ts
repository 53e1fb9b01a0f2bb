import addressparser from 'nodemailer/lib/addressparser/index.js';
import { asciiLowerCase, trimWsp } from '../dkim/ascii.ts';
import { fieldValue, type HeaderField, type SplitMessage } from '../dkim/header-fields.ts';

/** The header fields whose every instance a `verified` signature must cover. */
export const PROTECTED_HEADERS = ['from', 'subject', 'date', 'to', 'cc'] as const;
/**
 * The fields RFC 5322 §3.6 allows once that people read beside a verdict: with two, readers differ on which
 * they show, so none may be duplicated in a `verified` message.
 */
export const SINGLE_HEADERS = [...PROTECTED_HEADERS, 'message-id'] as const;
export type SingleHeader = (typeof SINGLE_HEADERS)[number];

/**
 * Longest From value whose mailboxes are read. Real From fields are a few hundred bytes; past this the authors
 * are unknown, so no signature can align with them.
 */
export const MAX_ADDRESS_FIELD_CHARS = 16 * 1024;
/** Longest date text parsed (a Date field, the date of a Received field); RFC 5322 dates are ~40 characters. */
export const MAX_DATE_CHARS = 256;

/** What the verdict rules need to know about a message besides its signatures. */
export interface MessageContext {
  /**
   * Domains of every mailbox of the From field the signatures cover (the bottom-most), lower-cased; empty
   * when it names none that can be read. A From may name several authors (RFC 5322 §3.6.2).
   */
  authorDomains: string[];
  /** Instances of each of these header fields in the message. */
  headerCounts: Record<SingleHeader, number>;
  /** Header-section lines that are neither a field nor a continuation: readers disagree on them. */
  malformedHeaderLines: number;
  /** When the message was received: the topmost Received field's date, else the Date field. */
  receivedAt: Date | null;
}

export function messageContext(split: SplitMessage): MessageContext {
  const { fields } = split;
  const headerCounts = Object.fromEntries(SINGLE_HEADERS.map((name) => [name, 0])) as MessageContext['headerCounts'];
  for (const field of fields) {
    if (field.key in headerCounts) headerCounts[field.key as SingleHeader]++;
  }
  const from = fields.findLast((field) => field.key === 'from');
  return {
    authorDomains: from ? authorDomains(fieldValue(from)) : [],
    headerCounts,
    malformedHeaderLines: split.malformedLines,
    receivedAt: receiptTime(fields),
  };
}

/** The domain of each mailbox in a From value (group members included), in order; [] if any has none. */
function authorDomains(value: string): string[] {
  if (value.length > MAX_ADDRESS_FIELD_CHARS) return [];
  const mailboxes = addressparser(value, { flatten: true });
  const domains = mailboxes.map((mailbox) => {
    const address = mailbox.address ?? '';
    const at = address.lastIndexOf('@');
    return at === -1 ? '' : asciiLowerCase(address.slice(at + 1));
  });
  // A mailbox without a domain is an author no signature can vouch for: the whole From is then unaligned.
  return domains.length > 0 && domains.every((domain) => domain !== '') ? domains : [];
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

/** An RFC 5322 date, its comments such as "(UTC)" removed first (Date.parse rejects them); null if too long. */
export function parseDate(text: string): Date | null {
  const trimmed = trimWsp(text);
  if (trimmed.length > MAX_DATE_CHARS) return null;
  const time = Date.parse(trimWsp(withoutComments(trimmed)));
  return Number.isNaN(time) ? null : new Date(time);
}

/**
 * Removes RFC 5322 comments, nested ones included, in one pass (a regex over "((((…" was quadratic: 31 s for
 * 200 KB). An unclosed comment runs to the end.
 */
export function withoutComments(text: string): string {
  let depth = 0;
  let kept = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\' && depth > 0) i++;
    else if (char === '(') depth++;
    else if (char === ')' && depth > 0) depth--;
    else if (depth === 0) kept += char;
  }
  return kept;
}
