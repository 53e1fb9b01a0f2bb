/**
 * A message as a reader checks it: its header section as sent, its fields with what each signature covers, the
 * unsigned fields that matter, the decoded text, the l= tail, To/Cc, the Date in its own zone beside UTC, and the
 * verdict in plain words. Pure: the original bytes (already checked against the stored SHA-256, see
 * read-original.ts) and the stored record in, the view out. What `GET …/view` answers and `leakproof show` prints.
 */
import { createHash } from 'node:crypto';
import { splitMessage, type HeaderField } from '../dkim/header-fields.ts';
import { textPartsOf } from '../mime/text-parts.ts';
import type { AttachmentRecord } from '../documents/contract.ts';
import type { MessageRecord } from '../ports/verdict-store.ts';
import { messageExplanation, reasonExplanation } from '../verdict/plain-language.ts';
import type { Reason, Verdict } from '../verdict/contract.ts';
import { displayValue, messageCoverage, textOf, type MessageCoverage } from './coverage.ts';
import { shownInstance } from './display-fields.ts';
import { MAX_DATE_CHARS, parseDate } from './message-context.ts';

/** The raw header section shown, in bytes: a longer one (a Received chain of thousands) is cut, with a flag. */
export const MAX_HEADER_SECTION_BYTES = 256 * 1024;

export interface MessageView extends MessageCoverage {
  verdict: Verdict;
  reasons: Reason[];
  /** The verdict and its reasons in plain words (shared/verdict/plain-language.ts). */
  explanation: string;
  /** Each reason with its plain sentence. */
  reasonExplanations: { reason: Reason; explanation: string }[];
  /** The header section as sent, as text (UTF-8 or Latin-1), to be escaped by whoever shows it. */
  headerSection: string;
  headerSectionTruncated: boolean;
  /** The decoded text of the message (text/plain parts, else text/html), capped. */
  text: string;
  textTruncated: boolean;
  /** The To and Cc mail clients show (the top-most: display-fields.ts), decoded, or null; the fields' marks say whether they are signed. */
  to: string | null;
  cc: string | null;
  date: { asWritten: string; utc: string | null; zone: string | null } | null;
  attachments: AttachmentRecord[];
  sha256: string;
  bytes: number;
  /** A caveat on the marks (an Outlook item's rebuilt bytes are not what was judged), or null. */
  caveat: string | null;
}

const OUTLOOK_REASONS: readonly Reason[] = ['headers-only', 'no-transport-headers', 'headers-reencoded'];

export function messageView(message: Buffer, record: MessageRecord): MessageView {
  const split = splitMessage(message);
  const outlook = record.reasons.some((reason) => OUTLOOK_REASONS.includes(reason));
  // An Outlook item was judged on its transport headers, which the rebuilt bytes read here do not hold.
  const coverage = outlook ? { ...messageCoverage(message, []), note: null } : messageCoverage(message, record.signatures);
  const headerEnd = Math.min(split.bodyStart, MAX_HEADER_SECTION_BYTES);
  const { text, truncated } = textPartsOf(message);
  // The instances readers show, as the listing shows them (display-fields.ts).
  const shown = (name: string) => shownInstance(split.fields, name);
  return {
    verdict: record.verdict,
    reasons: record.reasons,
    explanation: messageExplanation(record.verdict, record.reasons, record.signatures),
    reasonExplanations: record.reasons.map((reason) => ({ reason, explanation: reasonExplanation(reason, record.signatures) })),
    headerSection: textOf(message.subarray(0, headerEnd)),
    headerSectionTruncated: headerEnd < split.bodyStart,
    ...coverage,
    text,
    textTruncated: truncated,
    to: valueOf(shown('to')),
    cc: valueOf(shown('cc')),
    date: dateOf(shown('date')),
    attachments: record.attachments,
    sha256: createHash('sha256').update(message).digest('hex'),
    bytes: message.length,
    caveat: outlook ? 'An Outlook item: its signatures were checked over its original transport headers, not over these rebuilt bytes, so no field here is marked.' : null,
  };
}

function valueOf(field: HeaderField | undefined): string | null {
  return field ? displayValue(field).value : null;
}

/** The Date as written (its own zone kept), the UTC time it names, and its zone offset ("+0200"), when it parses. */
function dateOf(field: HeaderField | undefined): MessageView['date'] {
  if (!field) return null;
  const asWritten = displayValue(field).value;
  const parsed = asWritten.length <= MAX_DATE_CHARS ? parseDate(asWritten) : null;
  return { asWritten, utc: parsed?.toISOString() ?? null, zone: zoneOf(asWritten) };
}

/** The numeric zone of an RFC 5322 date ("+0200", "-0500"), or "+0000" for GMT/UT/UTC/Z; null otherwise. Bounded input. */
function zoneOf(date: string): string | null {
  if (date.length > MAX_DATE_CHARS) return null;
  const words = date.replace(/\([^()]*\)/g, ' ').trim().split(/\s+/);
  const last = words.at(-1) ?? '';
  if (/^[+-]\d{4}$/.test(last)) return last;
  return ['GMT', 'UT', 'UTC', 'Z'].includes(last.toUpperCase()) ? '+0000' : null;
}
