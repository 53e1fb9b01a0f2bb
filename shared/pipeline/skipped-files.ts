import type { VerdictStore } from '../ports/verdict-store.ts';

/**
 * Past this many entries a dump's skipped files are counted, not listed: no index finds them, so listing them
 * reads the dump's entries until enough are found (on DynamoDB a filtered walk of every shard, up to the whole dump).
 */
export const MAX_ENTRIES_WALKED = 100_000;

/**
 * A dump's skipped files (not content), at most `limit`, in locator order, each with why; null when the dump has
 * over MAX_ENTRIES_WALKED entries (`processed`), which bounds what one call may read. The CLI's summary and the
 * API's GET /dumps/{id}/skipped both list them through this.
 */
export async function skippedFiles(store: Pick<VerdictStore, 'listSkipped'>, dumpId: string, processed: number, limit: number): Promise<{ locator: string; reason: string }[] | null> {
  return processed > MAX_ENTRIES_WALKED ? null : store.listSkipped(dumpId, limit);
}
