import type { ErrorEntry, SkippedEntry } from '../dump/entry.ts';
import { locatorKey } from '../dump/entry.ts';
import type { EntryRecord, ExportRecord } from '../ports/verdict-store.ts';

/** How a non-message entry of a dump is stored: skipped with its reason, or an error with its reason. */
export function entryRecordOf(entry: SkippedEntry | ErrorEntry): EntryRecord {
  return entry.kind === 'skipped' ? entry : { kind: 'error', locator: entry.locator, sha256: null, detail: entry.reason };
}

/** The public record of a stored message or unreadable entry (see README "Export format"); skipped entries and documents have none. */
export function exportRecordOf(dumpId: string, entry: Extract<EntryRecord, { kind: 'message' | 'error' }>): ExportRecord {
  const { sha256, detail } = entry;
  const locator = locatorKey(entry.locator);
  // Fields in the order of ExportRecord: a JSON lines export prints them so.
  if (entry.kind === 'error') {
    return { dump: dumpId, locator, sha256, messageId: null, from: null, date: null, subject: null, verdict: 'error', reasons: ['parse-error'], detail, verifiedAt: null, signatures: [], rulesVersion: null, history: [], arc: null, forensics: null, to: null, cc: null, unsignedShown: null };
  }
  const { messageId, from, date, subject, verdict, reasons, verifiedAt, signatures, rulesVersion, history } = entry;
  // Records stored before ARC and forensics were gathered read back without them.
  const arc = entry.arc ?? null;
  const forensics = entry.forensics ?? null;
  // To and Cc came last (the export is a public format: fields are added at its end, never moved).
  const to = entry.to ?? null;
  const cc = entry.cc ?? null;
  // Which shown values are not signed came after (null: stored before it was computed).
  const unsignedShown = entry.unsignedShown ?? null;
  return { dump: dumpId, locator, sha256, messageId, from, date, subject, verdict, reasons, detail, verifiedAt, signatures, rulesVersion, history, arc, forensics, to, cc, unsignedShown };
}
