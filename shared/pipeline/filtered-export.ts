/**
 * The records of a dump's export, filtered as its listing is (verdict, reason, signing domain, sender, Date range):
 * the same query the listing runs, page by page over the store's indexes, each listed entry read whole. Without a
 * filter, the store's own export of the whole dump.
 */
import type { ExportRecord, MessageQuery, VerdictStore } from '../ports/verdict-store.ts';
import { exportRecordOf } from './entry-record.ts';

export const EXPORT_FILTERS = ['verdict', 'reason', 'domain', 'from', 'after', 'before'] as const;
export type ExportFilters = Pick<MessageQuery, (typeof EXPORT_FILTERS)[number]>;

/** Listing pages read per request: the API's largest page. */
const PAGE = 500;

export function hasFilters(filters: ExportFilters): boolean {
  return EXPORT_FILTERS.some((name) => filters[name] !== undefined);
}

export async function* exportRecordsMatching(store: Pick<VerdictStore, 'exportRecords' | 'listMessages' | 'getEntry'>, dumpId: string, filters: ExportFilters): AsyncGenerator<ExportRecord> {
  if (!hasFilters(filters)) {
    yield* store.exportRecords(dumpId);
    return;
  }
  const query: MessageQuery = { limit: PAGE };
  for (const name of EXPORT_FILTERS) if (filters[name] !== undefined) Object.assign(query, { [name]: filters[name] });
  let cursor: string | null = null;
  do {
    const page = await store.listMessages(dumpId, cursor === null ? query : { ...query, cursor });
    if (!page) return;
    for (const line of page.messages) {
      const entry = await store.getEntry(dumpId, line.locator);
      if (entry?.kind === 'message' || entry?.kind === 'error') yield exportRecordOf(dumpId, entry);
    }
    cursor = page.cursor;
  } while (cursor !== null);
}
