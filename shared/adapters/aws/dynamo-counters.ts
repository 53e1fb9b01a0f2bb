/**
 * A dump's counts, exact without transactions. The counts a batch of entries adds (or a batch of re-verified
 * messages moves) are computed as a tally per counting item of the dump's partition: the dump item (by verdict,
 * reason, rules version, undated) and one item per signing domain, sender domain and month. Each item is
 * updated once per batch: the update adds the batch id to the item's `batches` set under the condition that it
 * is not there yet, so a batch delivered twice, or retried after a crash part way through its counters, is
 * counted once on every item. The dump item goes last: a batch in its set is a batch fully counted.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapConcurrently } from '../../pipeline/map-concurrently.ts';
import { monthOf, senderDomainOf, type DumpSummary, type EntryRecord } from '../../ports/verdict-store.ts';
import { VERDICTS, type Verdict } from '../../verdict/contract.ts';
import { signingDomains } from '../../verdict/signing-domains.ts';
import { DUMP_ITEM, dumpKey, reasonCount, rulesVersionCount, verdictCount } from './dynamo-dump-item.ts';
import type { Item } from './dynamo-entry-items.ts';
import { queryAll } from './dynamo-query.ts';
import { DUMPS_TABLE } from './table-design.ts';

/** Sort-key prefixes of the counter items beside a dump's item. */
export const SIGNING_DOMAIN_COUNTER = 'domain#';
export const SENDER_DOMAIN_COUNTER = 'sender#';
export const MONTH_COUNTER = 'month#';

const TOP_DOMAINS = 10;
/** Counter items updated at once: a batch touches tens of domains, and each update is its own request. */
const COUNTER_UPDATES_AT_ONCE = 16;

/** Counts to add, by the sort key of the item that keeps them, then by attribute. */
export type Tally = Map<string, Map<string, number>>;

function add(tally: Tally, item: string, attribute: string, n = 1): void {
  let counts = tally.get(item);
  if (!counts) tally.set(item, (counts = new Map()));
  counts.set(attribute, (counts.get(attribute) ?? 0) + n);
}

/** What a batch of entries adds to the dump's counts (`extraLocated`: entries found beyond the located units). */
export function tallyOf(entries: readonly EntryRecord[], extraLocated = 0): Tally {
  const tally: Tally = new Map();
  if (extraLocated !== 0) add(tally, DUMP_ITEM, 'extraLocated', extraLocated);
  for (const entry of entries) {
    if (entry.kind === 'skipped') add(tally, DUMP_ITEM, 'skipped');
    else if (entry.kind === 'error') add(tally, DUMP_ITEM, 'errors');
    else {
      add(tally, DUMP_ITEM, 'messages');
      add(tally, DUMP_ITEM, verdictCount(entry.verdict));
      for (const reason of new Set(entry.reasons)) add(tally, DUMP_ITEM, reasonCount(reason));
      add(tally, DUMP_ITEM, rulesVersionCount(entry.rulesVersion));
      const month = monthOf(entry.date);
      if (month === null) add(tally, DUMP_ITEM, 'undated');
      else add(tally, MONTH_COUNTER + month, verdictCount(entry.verdict));
      for (const domain of signingDomains(entry.signatures)) add(tally, SIGNING_DOMAIN_COUNTER + domain, 'messages');
      const senderDomain = senderDomainOf(entry.sender ?? null);
      if (senderDomain !== null) add(tally, SENDER_DOMAIN_COUNTER + senderDomain, 'messages');
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

/**
 * Adds a batch's tally to the dump's counters, each at most once; returns the dump item as updated, or undefined
 * when the batch had been counted before. Throws when there is no such dump.
 */
export async function countOnce(db: DynamoDBDocumentClient, table: string, dumpId: string, batchId: string, tally: Tally): Promise<Item | undefined> {
  const counters = [...tally].filter(([item]) => item !== DUMP_ITEM);
  await mapConcurrently(counters, COUNTER_UPDATES_AT_ONCE, ([item, counts]) =>
    addOnce(db, table, { [DUMPS_TABLE.partitionKey]: dumpId, [DUMPS_TABLE.sortKey]: item }, batchId, counts),
  );
  const updated = await addOnce(db, table, dumpKey(dumpId), batchId, tally.get(DUMP_ITEM) ?? new Map(), true);
  if (updated === null) throw new Error(`no dump ${dumpId} in the store`);
  return updated;
}

/**
 * Adds `counts` to an item unless `batchId` is already in its `batches` set. Returns the item as updated,
 * undefined when the batch had been counted before, null when `mustExist` and the item does not.
 */
async function addOnce(db: DynamoDBDocumentClient, table: string, key: Item, batchId: string, counts: Map<string, number>, mustExist = false): Promise<Item | undefined | null> {
  const names: Record<string, string> = { '#batches': 'batches' };
  const values: Record<string, unknown> = { ':batch': new Set([batchId]), ':batchId': batchId };
  const adds = [...counts].map(([name, n], i) => {
    names[`#c${i}`] = name;
    values[`:c${i}`] = n;
    return `#c${i} :c${i}`;
  });
  if (mustExist) names['#dumpId'] = DUMPS_TABLE.partitionKey;
  try {
    const result = await db.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: `ADD ${[...adds, '#batches :batch'].join(', ')}`,
        ConditionExpression: `${mustExist ? 'attribute_exists(#dumpId) AND ' : ''}NOT contains(#batches, :batchId)`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return result.Attributes;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    if (!mustExist) return undefined;
    const { Item: item } = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true, ProjectionExpression: '#dumpId', ExpressionAttributeNames: { '#dumpId': DUMPS_TABLE.partitionKey } }));
    return item === undefined ? null : undefined;
  }
}

/** The summary's counts kept on counter items: top signing and sender domains, and months by verdict. */
export async function readCounters(db: DynamoDBDocumentClient, table: string, dumpId: string): Promise<Pick<DumpSummary, 'signingDomains' | 'senderDomains' | 'months'>> {
  const counterItems = async (prefix: string, attributes: string[]): Promise<{ key: string; counts: Item }[]> => {
    const names = Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name]));
    const query = {
      TableName: table,
      KeyConditionExpression: '#dumpId = :dump AND begins_with(#item, :prefix)',
      ExpressionAttributeNames: { '#dumpId': DUMPS_TABLE.partitionKey, '#item': DUMPS_TABLE.sortKey, ...names },
      ExpressionAttributeValues: { ':dump': dumpId, ':prefix': prefix },
      ProjectionExpression: ['#item', ...Object.keys(names)].join(', '),
    };
    const found: { key: string; counts: Item }[] = [];
    for await (const item of queryAll(db, query)) found.push({ key: (item[DUMPS_TABLE.sortKey] as string).slice(prefix.length), counts: item });
    return found;
  };
  const topDomains = (counted: { key: string; counts: Item }[]) =>
    counted
      .map(({ key, counts }) => ({ domain: key, messages: (counts.messages as number | undefined) ?? 0 }))
      .filter(({ messages }) => messages > 0)
      .sort((a, b) => b.messages - a.messages || (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0))
      .slice(0, TOP_DOMAINS);
  const [signers, senders, months] = await Promise.all([
    counterItems(SIGNING_DOMAIN_COUNTER, ['messages']),
    counterItems(SENDER_DOMAIN_COUNTER, ['messages']),
    counterItems(MONTH_COUNTER, VERDICTS.map(verdictCount)),
  ]);
  return {
    signingDomains: topDomains(signers),
    senderDomains: topDomains(senders),
    // Sort-key order is month order.
    months: months.flatMap(({ key, counts }) => {
      const byVerdict = verdictCountsOf(counts);
      return Object.keys(byVerdict).length > 0 ? [{ month: key, byVerdict }] : [];
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
