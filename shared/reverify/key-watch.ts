/**
 * Key rotation watch: asks DNS again for every (domain, selector) seen in the stored dumps and records what it
 * publishes now. A new or changed record goes into the archive with the time it was first seen; one still
 * published has its last-seen time moved on; one no longer published keeps its last-seen time, which from then
 * on says when it was removed. The archive keeps every record: a rotated-out key still verifies old mail.
 */
import { lookupDnsKeys, type TxtLookup } from '../keys/dns-key-lookup.ts';
import { mapConcurrently } from '../pipeline/map-concurrently.ts';
import type { KeyArchive } from '../ports/key-archive.ts';
import type { VerdictStore } from '../ports/verdict-store.ts';

export interface KeyWatchResult {
  selectors: number;
  /** Records DNS publishes that the archive did not hold. */
  added: number;
  /** Archived records DNS still publishes. */
  stillPublished: number;
  /** Records seen in DNS before that it no longer publishes. */
  removed: number;
  /** Selectors whose lookup failed (not "no record"): nothing is concluded for them. */
  failed: number;
}

/** Lookups in flight at once: a dead name server costs its timeout, and thousands of selectors must fit a run. */
const PARALLEL_LOOKUPS = 16;

export async function watchKeys(store: VerdictStore, archive: KeyArchive, dns: TxtLookup, now: () => Date): Promise<KeyWatchResult> {
  const result: KeyWatchResult = { selectors: 0, added: 0, stillPublished: 0, removed: 0, failed: 0 };
  await mapConcurrently(store.seenSelectors(), PARALLEL_LOOKUPS, async ({ domain, selector }) => {
    result.selectors++;
    const answer = await lookupDnsKeys(dns, domain, selector);
    if ('status' in answer && answer.status === 'error') {
      result.failed++;
      return;
    }
    const published = new Set('values' in answer ? answer.values : []);
    const archived = await archive.find(domain, selector);
    const seenAt = now().toISOString();
    for (const value of published) {
      if (archived.some((key) => key.value === value)) result.stillPublished++;
      else result.added++;
      await archive.record({ domain, selector, value, firstSeenAt: seenAt, lastSeenAt: seenAt, source: 'dns' });
    }
    result.removed += archived.filter((key) => key.source === 'dns' && !published.has(key.value)).length;
  });
  return result;
}
