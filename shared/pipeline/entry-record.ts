import type { ErrorEntry, SkippedEntry } from '../dump/entry.ts';
import type { EntryRecord } from '../ports/verdict-store.ts';

/** How a non-message entry of a dump is stored: skipped with its reason, or an error with its reason. */
export function entryRecordOf(entry: SkippedEntry | ErrorEntry): EntryRecord {
  return entry.kind === 'skipped' ? entry : { kind: 'error', locator: entry.locator, sha256: null, detail: entry.reason };
}
