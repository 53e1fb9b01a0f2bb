/**
 * A dump's item in the dumps table: the dump record, its status and what the splitter located. Its counts are
 * kept on counter shards (dynamo-counters.ts) and summed into a `totals` item when read: counts by verdict,
 * reason and rules version are attributes named by what they count.
 */
import { PROVENANCES, type Provenance } from '../../documents/contract.ts';
import type { DumpOverview, DumpRecord, DumpStatus, DumpSummary } from '../../ports/verdict-store.ts';
import type { Reason, Verdict } from '../../verdict/contract.ts';
import type { Item } from './dynamo-entry-items.ts';
import { shardOf } from './dynamo-keys.ts';
import { DUMP_LISTING_SHARDS, DUMPS_TABLE } from './table-design.ts';

/** The sort key of the dump item itself; its counter items sort beside it. */
export const DUMP_ITEM = 'dump';
/** A byStart partition: shard `shard` of DUMP_LISTING_SHARDS. */
export function dumpListingPartition(shard: number): string {
  return `dumps#${shard}`;
}

/** The byStart partition of a dump's item: one of DUMP_LISTING_SHARDS, by its id. */
export function dumpListing(dumpId: string): string {
  return dumpListingPartition(shardOf(dumpId, DUMP_LISTING_SHARDS));
}

export interface DumpCounts {
  status: DumpStatus;
  /** Entries located by the splitter (undefined while it runs), plus those found inside unexpected containers. */
  located: number | undefined;
  messages: number;
  documents: number;
  skipped: number;
  errors: number;
}

export const verdictCount = (verdict: Verdict): string => `v_${verdict}`;
export const reasonCount = (reason: Reason): string => `r_${reason}`;
export const rulesVersionCount = (rulesVersion: number): string => `rv_${rulesVersion}`;
export const provenanceCount = (provenance: Provenance): string => `p_${provenance}`;
const RULES_VERSION_COUNT = /^rv_(\d+)$/;

export function dumpKey(dumpId: string): Item {
  return { [DUMPS_TABLE.partitionKey]: dumpId, [DUMPS_TABLE.sortKey]: DUMP_ITEM };
}

/**
 * Set on the items of dumps opened since entries carry their sort keys (dynamo-sorted-keys.ts): a dump opened
 * before holds entries the sorted indexes do not list, so a sorted listing of it would leave them out.
 */
export const SORT_KEYS_ATTRIBUTE = 'sortKeys';

/** A dump's item as openDump creates it: splitting, nothing counted. */
export function newDumpItem(dump: Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'>, at: Date): Item {
  return {
    ...dumpKey(dump.id),
    [DUMPS_TABLE.byStart.partitionKey]: dumpListing(dump.id),
    [DUMPS_TABLE.byStart.sortKey]: at.toISOString(),
    name: dump.name,
    source: dump.source,
    bytes: dump.bytes,
    status: 'splitting',
    [SORT_KEYS_ATTRIBUTE]: true,
  };
}

/** The counts of a dump: its item and its `totals` (summed over its counter shards). */
export function countsOf(item: Item, totals: Item): DumpCounts {
  const n = (name: string) => (totals[name] as number | undefined) ?? 0;
  const located = item.located === undefined ? undefined : (item.located as number) + n('extraLocated');
  return { status: item.status as DumpStatus, located, messages: n('messages'), documents: n('documents'), skipped: n('skipped'), errors: n('errors') };
}

/** Whether every located entry is stored: messages + documents + skipped + errors = located. */
export function allIn(counts: DumpCounts): boolean {
  return counts.located !== undefined && counts.messages + counts.documents + counts.skipped + counts.errors === counts.located;
}

/** The non-zero counts of documents by provenance (undecided ones are in none). */
export function provenanceCountsOf(totals: Item): DumpSummary['byProvenance'] {
  const counts: DumpSummary['byProvenance'] = {};
  for (const provenance of PROVENANCES) {
    const n = totals[provenanceCount(provenance)];
    if (typeof n === 'number' && n !== 0) counts[provenance] = n;
  }
  return counts;
}

export function dumpRecordOf(item: Item): DumpRecord {
  return {
    id: item.dumpId as string,
    name: item.name as string,
    source: item.source as string,
    bytes: item.bytes as number,
    status: item.status as DumpStatus,
    startedAt: item.startedAt as string,
    finishedAt: (item.finishedAt as string | undefined) ?? null,
    ...(item.failure !== undefined ? { failure: item.failure as string } : {}),
  };
}

export function dumpOverviewOf(item: Item, totals: Item): DumpOverview {
  const { located, messages, documents, skipped, errors } = countsOf(item, totals);
  return { ...dumpRecordOf(item), located: located ?? null, processed: messages + documents + skipped + errors, messages, documents, skipped, errors };
}

/**
 * Messages by the rules version that verified them. Messages counted before versions were (no rv_ counter
 * covers them) were verified by the first rules.
 */
export function rulesVersionsOf(totals: Item): Map<number, number> {
  const versions = new Map<number, number>();
  let counted = 0;
  for (const [name, value] of Object.entries(totals)) {
    const version = RULES_VERSION_COUNT.exec(name)?.[1];
    if (version === undefined || typeof value !== 'number' || value === 0) continue;
    versions.set(Number(version), value);
    counted += value;
  }
  const unversioned = ((totals.messages as number | undefined) ?? 0) - counted;
  if (unversioned > 0) versions.set(1, (versions.get(1) ?? 0) + unversioned);
  return versions;
}
