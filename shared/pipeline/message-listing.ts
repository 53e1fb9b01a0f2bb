/**
 * What every store's message listing shares: the line a listing shows of an entry, and the cursor. Both stores
 * list in locator order, so a cursor only has to say which locator the last page ended on.
 */
import { BadCursorError, type EntryRecord, type MessageListing, type MessageQuery } from '../ports/verdict-store.ts';
import { isAttestation, verdictOfReason, type Verdict } from '../verdict/contract.ts';
import { signingDomains } from '../verdict/signing-domains.ts';
import { exportRecordOf } from './entry-record.ts';

/** A listed entry as a table shows it: errors as exportRecordOf maps them (verdict "error", no headers). */
export function messageListingOf(entry: Extract<EntryRecord, { kind: 'message' | 'error' }>): MessageListing {
  const { locator, verdict, reasons, messageId, from, date, subject, unsignedShown } = exportRecordOf('', entry);
  const message = entry.kind === 'message' ? entry : null;
  return { locator, verdict, reasons, messageId, from, sender: message?.sender ?? null, date, subject, signingDomains: message ? signingDomains(message.signatures) : [], unsignedShown: message ? unsignedShown : [] };
}

/**
 * The verdict a listing is confined to: the one asked for, or the one its reason belongs to (a store then reads
 * that verdict's index and filters on the reason); null when the two contradict and nothing can match. An
 * attestation (arc-attested) belongs to no verdict: only the verdict asked for, if any, confines it.
 */
export function listedVerdict(query: Pick<MessageQuery, 'verdict' | 'reason'>): Verdict | undefined | null {
  const { reason } = query;
  const verdict = reason === undefined || isAttestation(reason) ? query.verdict : verdictOfReason(reason);
  return query.verdict !== undefined && verdict !== query.verdict ? null : verdict;
}

/** The cursor of a page that ended on `locator`: base64url JSON, opaque to callers. */
export function cursorAfter(locator: string): string {
  return Buffer.from(JSON.stringify({ after: locator })).toString('base64url');
}

/** The locator a cursor resumes after; BadCursorError for anything cursorAfter did not make. */
export function locatorAfterCursor(cursor: string): string {
  let after: unknown;
  try {
    after = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown } | null)?.after;
  } catch {
    throw new BadCursorError();
  }
  // Re-encoding rejects extra fields and what Buffer's lenient base64 decoding would let through.
  if (typeof after !== 'string' || after === '' || cursorAfter(after) !== cursor) throw new BadCursorError();
  return after;
}
