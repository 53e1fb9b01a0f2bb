/**
 * A dump's counts, exact without transactions and without hot items.
 *
 * Where counts live: the counts a batch of entries adds (or a batch of re-verified messages moves) go to one of
 * SHARDS counter partitions of the dump, "<dump>#<shard>", chosen by a hash of the batch id: its total item
 * ("n#total": messages, documents, skipped, errors, by verdict, reason, rules version and provenance, undated,
 * extraLocated) and one
 * item per signing domain, sender domain and month. Reading sums the shards.
 *
 * Counted once: each batch has a marker item of its own beside its counters ("counted#<batch>", written with
 * attribute_not_exists, holding the batch's tally, expiring after MARKER_LIFETIME_DAYS). Then:
 *   1. state "counting": each counter item gets the tally's counts with one UpdateItem that also adds the batch id
 *      to the item's `pending` set, on the condition that it is not there yet (so a retry adds nothing twice);
 *   2. the marker says "counted";
 *   3. the batch id is taken out of every `pending` set again, and the marker says "done".
 * Each step is safe to repeat, and whoever finds the marker (a retry after a crash, a duplicate delivery, the
 * dead-letter recorder) carries it on from its state with the tally it holds. A `pending` set holds only the
 * batches being counted at that moment: it never grows with the dump.
 *
 * Step 1 has one owner at a time: the delivery that claimed the marker holds a lease on it (COUNTING_LEASE_MS,
 * longer than any function that counts may run). Another delivery that finds it "counting" under a live lease
 * waits for it (a duplicate delivered at the same moment), and fails if it does not end, to be delivered again;
 * one that finds the lease run out (its owner died) takes it over. Without this, a duplicate could take the batch
 * out of the `pending` sets while the owner's adds were still in flight, and they would count twice.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mapConcurrently } from '../../pipeline/map-concurrently.ts';
import { monthOf, senderDomainOf, type DumpSummary, type EntryRecord } from '../../ports/verdict-store.ts';
import { VERDICTS, type Verdict } from '../../verdict/contract.ts';
import { signingDomains } from '../../verdict/signing-domains.ts';
import { getAll } from './dynamo-batch.ts';
import { provenanceCount, reasonCount, rulesVersionCount, verdictCount } from './dynamo-dump-item.ts';
import { allShards, boundedSortKey, keyPart, shardOf } from './dynamo-keys.ts';
import { queryAll } from './dynamo-query.ts';
import { DUMPS_TABLE, TTL_ATTRIBUTE } from './table-design.ts';

type Item = Record<string, unknown>;

/** The counter item of a batch's totals, and the kinds of named counters beside it. */
export const TOTAL = 'total';
export const SIGNING_DOMAIN = 'domain';
export const SENDER_DOMAIN = 'sender';
export const MONTH = 'month';
const COUNTER_PREFIX = 'n#';
const MARKER_PREFIX = 'counted#';
/**
 * Longer than any job can still be delivered (SQS keeps a message 14 days at most, dead-letter queue included),
 * so a late duplicate still finds its marker.
 */
export const MARKER_LIFETIME_DAYS = 30;

const TOP_DOMAINS = 10;
/** Counter items updated at once: a batch touches tens of domains, and each update is its own request. */
const COUNTER_UPDATES_AT_ONCE = 16;
/** A tally (gzipped JSON) larger than this cannot be a marker's attribute: the batch fails with a clear error. */
const MAX_TALLY_BYTES = 300 * 1024;

/** How a batch's counting is owned: the lease, and how long a second delivery waits for its owner. */
export interface CountingLease {
  ms: number;
  waitMs: number;
}
/**
 * 3 minutes: longer than the worker (2 min) and the dead-letter recorder (1 min) can run, shorter than the work
 * queue's visibility timeout (12 min), so a redelivery after a crash finds the lease run out.
 */
export const COUNTING_LEASE: CountingLease = { ms: 3 * 60_000, waitMs: 20_000 };

/** Counts to add, by counter ("total", or "<kind>#<name>"), then by attribute. */
export type Tally = Map<string, Map<string, number>>;

function add(tally: Tally, counter: string, attribute: string, n = 1): void {
  let counts = tally.get(counter);
  if (!counts) tally.set(counter, (counts = new Map()));
  counts.set(attribute, (counts.get(attribute) ?? 0) + n);
}

/** What a batch of entries adds to the dump's counts (`extraLocated`: entries found beyond the located units). */
export function tallyOf(entries: readonly EntryRecord[], extraLocated = 0): Tally {
  const tally: Tally = new Map();
  if (extraLocated !== 0) add(tally, TOTAL, 'extraLocated', extraLocated);
  for (const entry of entries) {
    if (entry.kind === 'skipped') add(tally, TOTAL, 'skipped');
    else if (entry.kind === 'error') add(tally, TOTAL, 'errors');
    else if (entry.kind === 'document') {
      add(tally, TOTAL, 'documents');
      if (entry.provenance) add(tally, TOTAL, provenanceCount(entry.provenance.provenance));
    } else {
      add(tally, TOTAL, 'messages');
      add(tally, TOTAL, verdictCount(entry.verdict));
      for (const reason of new Set(entry.reasons)) add(tally, TOTAL, reasonCount(reason));
      add(tally, TOTAL, rulesVersionCount(entry.rulesVersion));
      const month = monthOf(entry.date);
      if (month === null) add(tally, TOTAL, 'undated');
      else add(tally, `${MONTH}#${month}`, verdictCount(entry.verdict));
      for (const domain of signingDomains(entry.signatures)) add(tally, `${SIGNING_DOMAIN}#${domain}`, 'messages');
      const senderDomain = senderDomainOf(entry.sender ?? null);
      if (senderDomain !== null) add(tally, `${SENDER_DOMAIN}#${senderDomain}`, 'messages');
    }
  }
  return tally;
}

/** `after` minus `before`, without the counts that do not move: what replacing `before` by `after` changes. */
export function difference(after: Tally, before: Tally): Tally {
  const moved: Tally = new Map();
  for (const [item, counts] of after) for (const [attribute, n] of counts) add(moved, item, attribute, n);
  for (const [item, counts] of before) for (const [attribute, n] of counts) add(moved, item, attribute, -n);
  for (const [item, counts] of moved) {
    for (const [attribute, n] of counts) if (n === 0) counts.delete(attribute);
    if (counts.size === 0) moved.delete(item);
  }
  return moved;
}

/** The partition of a dump's counter shard. */
export function counterPartition(dumpId: string, shard: number): string {
  return `${keyPart(dumpId)}#${shard}`;
}

/** The key of a counter item: "n#total", or "n#<kind>#<name>" (shortened when too long; the name is kept whole in `name`). */
function counterKey(dumpId: string, shard: number, counter: string): Item {
  const hash = counter.indexOf('#');
  const sortKey = hash < 0 ? `${COUNTER_PREFIX}${counter}` : `${COUNTER_PREFIX}${counter.slice(0, hash)}#${keyPart(counter.slice(hash + 1))}`;
  return { [DUMPS_TABLE.partitionKey]: counterPartition(dumpId, shard), [DUMPS_TABLE.sortKey]: boundedSortKey(sortKey) };
}

function markerKey(dumpId: string, batchId: string): Item {
  return { [DUMPS_TABLE.partitionKey]: counterPartition(dumpId, shardOf(batchId)), [DUMPS_TABLE.sortKey]: boundedSortKey(`${MARKER_PREFIX}${keyPart(batchId)}`) };
}

type MarkerState = 'counting' | 'counted' | 'done';

export interface Marker {
  dumpId: string;
  batchId: string;
  state: MarkerState;
  tally: Tally;
  /** Who counts it while "counting", and until when (ms since the epoch). */
  owner: string;
  leaseUntil: number;
}

function encodeTally(tally: Tally): Uint8Array {
  const bytes = gzipSync(JSON.stringify([...tally].map(([counter, counts]) => [counter, [...counts]])));
  if (bytes.length > MAX_TALLY_BYTES) throw new Error(`a batch's counts take ${bytes.length} bytes compressed, over the ${MAX_TALLY_BYTES} a marker may hold`);
  return bytes;
}

function decodeTally(bytes: Uint8Array): Tally {
  const entries = JSON.parse(gunzipSync(bytes).toString('utf8')) as [string, [string, number][]][];
  return new Map(entries.map(([counter, counts]) => [counter, new Map(counts)]));
}

/** The batch's marker, if it has one: it was (or is being) counted. */
export async function readMarker(db: DynamoDBDocumentClient, table: string, dumpId: string, batchId: string): Promise<Marker | undefined> {
  const { Item: item } = await db.send(new GetCommand({ TableName: table, Key: markerKey(dumpId, batchId), ConsistentRead: true }));
  if (item === undefined) return undefined;
  return { dumpId, batchId, state: item.state as MarkerState, tally: decodeTally(item.tally as Uint8Array), owner: (item.owner as string | undefined) ?? '', leaseUntil: (item.leaseUntil as number | undefined) ?? 0 };
}

/**
 * Counts a batch's tally once: claims the batch with its marker (or finds the marker a delivery before left)
 * and carries it to "done". Returns the marker counted (its tally may be that of an earlier delivery).
 */
export async function countOnce(db: DynamoDBDocumentClient, table: string, dumpId: string, batchId: string, tally: Tally, lease: CountingLease = COUNTING_LEASE): Promise<Marker> {
  const me = randomUUID();
  const marker = (await claim(db, table, dumpId, batchId, tally, me, lease)) ?? (await readMarker(db, table, dumpId, batchId))!;
  await finishCounting(db, table, marker, lease, me);
  return marker;
}

/** A new marker in state "counting"; undefined when the batch has one already. */
async function claim(db: DynamoDBDocumentClient, table: string, dumpId: string, batchId: string, tally: Tally, me: string, lease: CountingLease): Promise<Marker | undefined> {
  const expiresAt = Math.floor(Date.now() / 1000) + MARKER_LIFETIME_DAYS * 86_400;
  const leaseUntil = Date.now() + lease.ms;
  try {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { ...markerKey(dumpId, batchId), batchId, state: 'counting', tally: encodeTally(tally), owner: me, leaseUntil, [TTL_ATTRIBUTE]: expiresAt },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': DUMPS_TABLE.partitionKey },
      }),
    );
    return { dumpId, batchId, state: 'counting', tally, owner: me, leaseUntil };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/**
 * Waits while another delivery counts the batch under a live lease; takes the lease over once it has run out.
 * Returns the marker as it then is, owned by `me` if still "counting".
 */
async function ownCounting(db: DynamoDBDocumentClient, table: string, found: Marker, lease: CountingLease, me: string): Promise<Marker> {
  const waitUntil = Date.now() + lease.waitMs;
  let marker = found;
  for (let attempt = 1; marker.state === 'counting' && marker.owner !== me; attempt++) {
    if (marker.leaseUntil <= Date.now()) {
      try {
        const leaseUntil = Date.now() + lease.ms;
        await db.send(
          new UpdateCommand({
            TableName: table,
            Key: markerKey(marker.dumpId, marker.batchId),
            UpdateExpression: 'SET #owner = :me, #leaseUntil = :leaseUntil',
            ConditionExpression: '#state = :counting AND #leaseUntil = :expired',
            ExpressionAttributeNames: { '#owner': 'owner', '#leaseUntil': 'leaseUntil', '#state': 'state' },
            ExpressionAttributeValues: { ':me': me, ':leaseUntil': leaseUntil, ':counting': 'counting', ':expired': marker.leaseUntil },
          }),
        );
        return { ...marker, owner: me, leaseUntil };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error; // someone else moved it: look again
      }
    } else {
      if (Date.now() >= waitUntil) throw new Error(`batch ${marker.batchId} of dump ${marker.dumpId} is being counted by another delivery; try again later`);
      await new Promise((done) => setTimeout(done, Math.min(2_000, 100 * 2 ** attempt, Math.max(0, marker.leaseUntil - Date.now()))));
    }
    marker = (await readMarker(db, table, marker.dumpId, marker.batchId))!;
  }
  return marker;
}

/** Carries a marker on from its state to "done" (see the top of this file). `me`: the delivery carrying it. */
export async function finishCounting(db: DynamoDBDocumentClient, table: string, found: Marker, lease: CountingLease = COUNTING_LEASE, me: string = randomUUID()): Promise<void> {
  const marker = await ownCounting(db, table, found, lease, me);
  if (marker.state === 'done') return;
  const shard = shardOf(marker.batchId);
  const counters = [...marker.tally];
  if (marker.state === 'counting') {
    await mapConcurrently(counters, COUNTER_UPDATES_AT_ONCE, ([counter, counts]) => addOnce(db, table, counterKey(marker.dumpId, shard, counter), counter, marker.batchId, counts));
    // Only while still its owner: a delivery that outlived its lease must not end another's counting.
    await setState(db, table, marker, 'counted', me);
  }
  await mapConcurrently(counters, COUNTER_UPDATES_AT_ONCE, ([counter]) =>
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: counterKey(marker.dumpId, shard, counter),
        UpdateExpression: 'DELETE #pending :batch',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pending': 'pending', '#pk': DUMPS_TABLE.partitionKey },
        ExpressionAttributeValues: { ':batch': new Set([marker.batchId]) },
      }),
    ).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // a counter that nets to nothing was never made
    }),
  );
  await setState(db, table, marker, 'done');
}

async function setState(db: DynamoDBDocumentClient, table: string, marker: Marker, state: MarkerState, owner?: string): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: markerKey(marker.dumpId, marker.batchId),
        UpdateExpression: 'SET #state = :state',
        ...(owner === undefined ? {} : { ConditionExpression: '#owner = :owner' }),
        ExpressionAttributeNames: { '#state': 'state', ...(owner === undefined ? {} : { '#owner': 'owner' }) },
        ExpressionAttributeValues: { ':state': state, ...(owner === undefined ? {} : { ':owner': owner }) },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new Error(`batch ${marker.batchId} of dump ${marker.dumpId}: its counting was taken over after this delivery's lease ran out`);
    throw error;
  }
  marker.state = state;
}

/** Adds `counts` to a counter item unless the batch is in its `pending` set (added then). */
async function addOnce(db: DynamoDBDocumentClient, table: string, key: Item, counter: string, batchId: string, counts: Map<string, number>): Promise<void> {
  const names: Record<string, string> = { '#pending': 'pending', '#name': 'name' };
  const values: Record<string, unknown> = { ':batch': new Set([batchId]), ':batchId': batchId, ':name': counter };
  const adds = [...counts].map(([name, n], i) => {
    names[`#c${i}`] = name;
    values[`:c${i}`] = n;
    return `#c${i} :c${i}`;
  });
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: `SET #name = :name ADD ${[...adds, '#pending :batch'].join(', ')}`,
        ConditionExpression: 'NOT contains(#pending, :batchId)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error; // added by an earlier attempt
  }
}

/** Sums of numbers, attribute by attribute (other attributes left out). */
function sumInto(sum: Item, item: Item): void {
  for (const [name, value] of Object.entries(item)) if (typeof value === 'number') sum[name] = ((sum[name] as number | undefined) ?? 0) + value;
}

/** Each dump's total counts, summed over its shards: messages, skipped, errors, by verdict, reason, rules version. */
export async function readTotals(db: DynamoDBDocumentClient, table: string, dumpIds: readonly string[]): Promise<Map<string, Item>> {
  const totals = new Map<string, Item>(dumpIds.map((id) => [id, {}]));
  const byPartition = new Map<string, string>();
  const keys = dumpIds.flatMap((id) =>
    allShards().map((shard) => {
      byPartition.set(counterPartition(id, shard), id);
      return counterKey(id, shard, TOTAL);
    }),
  );
  for (const item of await getAll(db, table, DUMPS_TABLE, keys)) sumInto(totals.get(byPartition.get(item[DUMPS_TABLE.partitionKey] as string)!)!, item);
  return totals;
}

/** The summary's counts kept on named counters: top signing and sender domains, and months by verdict. */
export async function readCounters(db: DynamoDBDocumentClient, table: string, dumpId: string): Promise<Pick<DumpSummary, 'signingDomains' | 'senderDomains' | 'months'>> {
  const sums = new Map<string, Item>(); // by counter, e.g. "domain#example.com"
  await mapConcurrently(allShards(), 8, async (shard) => {
    const counters = queryAll(db, {
      TableName: table,
      KeyConditionExpression: '#pk = :pk AND begins_with(#item, :prefix)',
      ExpressionAttributeNames: { '#pk': DUMPS_TABLE.partitionKey, '#item': DUMPS_TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': counterPartition(dumpId, shard), ':prefix': COUNTER_PREFIX },
    });
    for await (const item of counters) {
      const counter = item.name as string | undefined;
      if (counter === undefined || counter === TOTAL) continue;
      let sum = sums.get(counter);
      if (!sum) sums.set(counter, (sum = {}));
      sumInto(sum, item);
    }
  });
  const named = (kind: string) =>
    [...sums].filter(([counter]) => counter.startsWith(`${kind}#`)).map(([counter, counts]) => ({ name: counter.slice(kind.length + 1), counts }));
  const topDomains = (kind: string) =>
    named(kind)
      .map(({ name, counts }) => ({ domain: name, messages: (counts.messages as number | undefined) ?? 0 }))
      .filter(({ messages }) => messages > 0)
      .sort((a, b) => b.messages - a.messages || (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0))
      .slice(0, TOP_DOMAINS);
  return {
    signingDomains: topDomains(SIGNING_DOMAIN),
    senderDomains: topDomains(SENDER_DOMAIN),
    months: named(MONTH)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap(({ name, counts }) => {
        const byVerdict = verdictCountsOf(counts);
        return Object.keys(byVerdict).length > 0 ? [{ month: name, byVerdict }] : [];
      }),
  };
}

/** The non-zero counts by verdict an item keeps. */
export function verdictCountsOf(item: Item): Partial<Record<Verdict, number>> {
  const counts: Partial<Record<Verdict, number>> = {};
  for (const verdict of VERDICTS) {
    const n = item[verdictCount(verdict)];
    if (typeof n === 'number' && n !== 0) counts[verdict] = n;
  }
  return counts;
}

