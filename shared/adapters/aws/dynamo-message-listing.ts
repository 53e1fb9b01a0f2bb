/**
 * A page of a dump's messages, always from Queries in locator order. The most selective key the filters name
 * picks the partitions read, each spread over SHARDS shards that are merged by locator (dynamo-shard-merge.ts):
 * - q:       the search postings of its first term's start (dynamo-search-postings.ts), every term a filter;
 * - domain:  the signer postings of (dump, domain) in the postings table (every signing domain of a message);
 * - from:    the bySender index partitions of (dump, sender domain);
 * - verdict / reason: the byVerdict index partitions of the verdict (a reason's, from REASONS);
 * - else:    the dump's partitions of the verdicts table.
 * The other filters become a FilterExpression. Every shard sorts by locator, so a cursor is only "after this
 * locator key" and resumes on any path, in every shard.
 *
 * A sorted listing (query.sort) reads the sort's index instead, over the dump's SHARDS partitions, each sorted by
 * the sort key dynamo-sorted-keys.ts writes (value, then locator), merged by it, backwards when descending; every
 * filter (search words, signing domain, sender, verdict, reason, dates) is a FilterExpression there. Its cursor
 * is that sort key, with the sort it belongs to.
 */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { listedVerdict, locatorAfterCursor } from '../../pipeline/message-listing.ts';
import { searchTermsOf } from '../../search/search-words.ts';
import { senderDomainOf, UnsupportedQueryError, type MessageListing, type MessagePage, type MessageQuery, type MessageSort } from '../../ports/verdict-store.ts';
import { getAll } from './dynamo-batch.ts';
import { locatorOfItem, senderIndexPartition, signerPosting, verdictIndexPartition, verdictKey, verdictPartition, type Item } from './dynamo-entry-items.ts';
import { allShards } from './dynamo-keys.ts';
import { searchPartition, startOfTerm, wordStartFilterValue, WORDS_ATTRIBUTE } from './dynamo-search-postings.ts';
import { MAX_ROUNDS, readPage, ShardMerge } from './dynamo-shard-merge.ts';
import { locatorOfSortKey, sortedCursorOf, sortKeyOfCursor } from './dynamo-sorted-keys.ts';
import { LISTING_ATTRIBUTES, POSTINGS_TABLE, SHARDS, SORTED_LISTINGS, VERDICTS_TABLE } from './table-design.ts';

export interface ListingTables {
  verdicts: string;
  postings: string;
}

const MAX_QUERY_LIMIT = 1000;

/** Where a listing reads, and how to start after a locator there. */
interface AccessPath {
  /** The Query of each shard. */
  inputs: QueryCommandInput[];
  /** The ExclusiveStartKey of shard `shard` at sort key `after`. */
  startAfter(shard: number, after: string): Item;
  /** The attribute holding the sort key. */
  sortKey: string;
  /** Attributes the partition key already holds equal: no filter needed. */
  served: { verdict?: true; senderDomain?: true; domain?: true };
  /** Read backwards (a descending sort). */
  descending?: true;
  /** The partition holds skipped entries and documents too (the verdicts table's): they are not messages. */
  holdsSkipped?: true;
  /** Its items hold only what the filters read: a page's lines are read from the entries' items. */
  readsEntries?: true;
}

/** A Query of `partitionOf(shard)` in each shard; the item at a sort key there is `keyAt(shard, sortKey)`. */
function shardedPath(table: string, partitionKey: string, partitionOf: (shard: number) => string, sortKey: string, keyAt: (shard: number, at: string) => Item, indexName?: string, descending = false): Omit<AccessPath, 'served'> {
  return {
    inputs: allShards().map((shard) => ({
      TableName: table,
      ...(indexName === undefined ? {} : { IndexName: indexName }),
      ...(descending ? { ScanIndexForward: false } : {}),
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': partitionKey },
      ExpressionAttributeValues: { ':pk': partitionOf(shard) },
    })),
    startAfter: keyAt,
    sortKey,
  };
}

function indexPath(tables: ListingTables, dumpId: string, index: typeof VERDICTS_TABLE.byVerdict | typeof VERDICTS_TABLE.bySender, partitionOf: (shard: number) => string): Omit<AccessPath, 'served'> {
  const keyAt = (shard: number, at: string) => ({ [index.partitionKey]: partitionOf(shard), [VERDICTS_TABLE.partitionKey]: verdictPartition(dumpId, shard), [VERDICTS_TABLE.sortKey]: at });
  return shardedPath(tables.verdicts, index.partitionKey, partitionOf, VERDICTS_TABLE.sortKey, keyAt, index.indexName);
}

/**
 * A sort's index over the dump's shards. The start key of a GSI Query names the table's key too: the shard's
 * partition, and a locator (the one the sort key ends with; sort keys are unique, so it never decides a tie).
 */
function sortedPath(tables: ListingTables, dumpId: string, sort: MessageSort): AccessPath {
  const index = SORTED_LISTINGS[sort.by];
  const keyAt = (shard: number, at: string) => ({ [VERDICTS_TABLE.partitionKey]: verdictPartition(dumpId, shard), [VERDICTS_TABLE.sortKey]: locatorOfSortKey(at), [index.sortKey]: at });
  const path = shardedPath(tables.verdicts, index.partitionKey, (shard) => verdictPartition(dumpId, shard), index.sortKey, keyAt, index.indexName, sort.descending);
  return { ...path, served: {}, ...(sort.descending ? { descending: true } : {}) };
}

/** The path for a query; null when its filters cannot all hold (a reason of another verdict than the one asked, a search without a word). */
function accessPath(tables: ListingTables, dumpId: string, query: MessageQuery, drivingTerm: string | undefined): AccessPath | null {
  if (listedVerdict(query) === null) return null;
  if (query.q !== undefined && searchTermsOf(query.q).length === 0) return null;
  if (query.sort !== undefined) return sortedPath(tables, dumpId, query.sort);
  if (query.q !== undefined) {
    // The postings of the rarest term's start; every term (that one too) is a filter on their words.
    if (drivingTerm === undefined) return null;
    const start = startOfTerm(drivingTerm);
    const keyAt = (shard: number, at: string) => ({ [POSTINGS_TABLE.partitionKey]: searchPartition(dumpId, start, shard), [POSTINGS_TABLE.sortKey]: at });
    return { ...shardedPath(tables.postings, POSTINGS_TABLE.partitionKey, (shard) => searchPartition(dumpId, start, shard), POSTINGS_TABLE.sortKey, keyAt), served: {}, readsEntries: true };
  }
  if (query.domain !== undefined) {
    const domain = query.domain;
    const keyAt = (shard: number, at: string) => ({ [POSTINGS_TABLE.partitionKey]: signerPosting(dumpId, domain, shard), [POSTINGS_TABLE.sortKey]: at });
    return { ...shardedPath(tables.postings, POSTINGS_TABLE.partitionKey, (shard) => signerPosting(dumpId, domain, shard), POSTINGS_TABLE.sortKey, keyAt), served: { domain: true } };
  }
  const senderDomain = query.from === undefined ? null : query.from.includes('@') ? senderDomainOf(query.from) : query.from;
  if (senderDomain) return { ...indexPath(tables, dumpId, VERDICTS_TABLE.bySender, (shard) => senderIndexPartition(dumpId, senderDomain, shard)), served: { senderDomain: true } };
  const verdict = listedVerdict(query);
  if (verdict === null) return null;
  if (verdict !== undefined) return { ...indexPath(tables, dumpId, VERDICTS_TABLE.byVerdict, (shard) => verdictIndexPartition(dumpId, verdict, shard)), served: { verdict: true } };
  const keyAt = (shard: number, at: string) => ({ [VERDICTS_TABLE.partitionKey]: verdictPartition(dumpId, shard), [VERDICTS_TABLE.sortKey]: at });
  return { ...shardedPath(tables.verdicts, VERDICTS_TABLE.partitionKey, (shard) => verdictPartition(dumpId, shard), VERDICTS_TABLE.sortKey, keyAt), served: {}, holdsSkipped: true };
}

/** Postings of a term's start counted in one shard, up to this: enough to tell a rare term from a common one. */
const PROBE_ITEMS = 100;

/**
 * The term whose start has the fewest postings in shard 0 (about 1/SHARDS of the dump, counted up to PROBE_ITEMS:
 * one round of Queries at once, ~1–4 RRU each), the longest among equals; the only term without asking.
 */
async function rarestTerm(db: DynamoDBDocumentClient, tables: ListingTables, dumpId: string, terms: string[]): Promise<string | undefined> {
  const starts = [...new Set(terms.map(startOfTerm))];
  if (starts.length <= 1) return terms[0];
  const counts = new Map(
    await Promise.all(
      starts.map(async (start) => {
        const { Count } = await db.send(
          new QueryCommand({
            TableName: tables.postings,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': POSTINGS_TABLE.partitionKey },
            ExpressionAttributeValues: { ':pk': searchPartition(dumpId, start, 0) },
            Select: 'COUNT',
            Limit: PROBE_ITEMS,
          }),
        );
        return [start, Count ?? 0] as const;
      }),
    ),
  );
  // Terms come longest first: the first of the least counted.
  return terms.reduce((best, term) => (counts.get(startOfTerm(term))! < counts.get(startOfTerm(best))! ? term : best));
}

/** The filters the path's key does not already hold, as a FilterExpression, with every attribute name escaped. */
function filterOf(path: AccessPath, query: MessageQuery): Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  const conditions: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const condition = (attribute: string, value: unknown, write: (name: string, value: string) => string) => {
    names[`#f_${attribute}`] = attribute;
    values[`:f_${attribute}${conditions.length}`] = value;
    conditions.push(write(`#f_${attribute}`, `:f_${attribute}${conditions.length}`));
  };
  if (path.holdsSkipped) {
    condition('kind', 'skipped', (name, value) => `${name} <> ${value}`);
    condition('kind', 'document', (name, value) => `${name} <> ${value}`);
  }
  for (const term of query.q === undefined ? [] : searchTermsOf(query.q)) {
    condition(WORDS_ATTRIBUTE, wordStartFilterValue(term), (name, value) => `contains(${name}, ${value})`);
  }
  // A signing domain is the path (its signer postings) unless a search or a sort is.
  if (query.domain !== undefined && !path.served.domain) condition('signingDomains', query.domain, (name, value) => `contains(${name}, ${value})`);
  if (query.verdict !== undefined && !path.served.verdict) condition('verdict', query.verdict, (name, value) => `${name} = ${value}`);
  if (query.reason !== undefined) condition('reasons', query.reason, (name, value) => `contains(${name}, ${value})`);
  if (query.from !== undefined) {
    if (query.from.includes('@')) condition('sender', query.from, (name, value) => `${name} = ${value}`);
    else if (!path.served.senderDomain) condition('senderDomain', query.from, (name, value) => `${name} = ${value}`);
  }
  // A message without a date holds NULL, which no comparison with a string matches.
  if (query.after !== undefined) condition('date', query.after, (name, value) => `${name} >= ${value}`);
  if (query.before !== undefined) condition('date', query.before, (name, value) => `${name} < ${value}`);
  if (conditions.length === 0) return {};
  return { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

/**
 * A page of the dump's listed entries (the caller checks that the dump exists). `listingOf` makes a line of an
 * item (reading S3 for a record kept there); `maxRounds`: for tests.
 */
export async function listMessages(
  db: DynamoDBDocumentClient,
  tables: ListingTables,
  dumpId: string,
  query: MessageQuery,
  listingOf: (item: Item) => Promise<MessageListing>,
  maxRounds = MAX_ROUNDS,
): Promise<MessagePage> {
  const { sort } = query;
  const after = query.cursor === undefined ? undefined : sort === undefined ? locatorAfterCursor(query.cursor) : sortKeyOfCursor(query.cursor, sort);
  // A sorted search filters the sort's index on every term: no term drives it.
  const drivingTerm = query.q === undefined || sort !== undefined ? undefined : await rarestTerm(db, tables, dumpId, searchTermsOf(query.q));
  const path = accessPath(tables, dumpId, query, drivingTerm);
  if (path === null) return { messages: [], cursor: null };
  const filter = filterOf(path, query);
  const projection = Object.fromEntries([...new Set([path.sortKey, 'locator', ...LISTING_ATTRIBUTES])].map((name) => [`#p_${name}`, name]));
  const merge = new ShardMerge(db, {
    inputs: path.inputs.map((input) => ({
      ...input,
      ...filter,
      ExpressionAttributeNames: { ...input.ExpressionAttributeNames, ...filter.ExpressionAttributeNames, ...projection },
      ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ...filter.ExpressionAttributeValues },
      ProjectionExpression: Object.keys(projection).join(', '),
    })),
    sortKeyOf: (item) => item[path.sortKey] as string,
    ...(path.descending ? { descending: true } : {}),
    startAfter: path.startAfter,
    after,
    // Each shard holds about 1/SHARDS of a page; a shard read again reads four times more.
    firstPageItems: Math.ceil((query.limit + 1) / SHARDS) + 1,
    maxPageItems: MAX_QUERY_LIMIT,
  });

  const cursorOf = sort === undefined ? undefined : (sortKey: string) => sortedCursorOf(sort, sortKey);
  const page = await readPage(merge, query.limit, (item) => item[path.sortKey] as string, maxRounds, cursorOf).catch((error: unknown) => {
    // A stack still being given its sorted indexes, one a deployment (infra/tables.ts), lacks this sort's.
    if (sort !== undefined && isMissingIndex(error)) throw new UnsupportedQueryError('sort', `this deployment has no index for sort=${sort.by} yet (see the README: sortedListingIndexes)`);
    throw error;
  });
  // Search postings do not carry the listing: the page's lines are read from their entries' items.
  const items = path.readsEntries ? await entryItemsOf(db, tables, dumpId, page.items) : page.items;
  return { messages: await Promise.all(items.map(listingOf)), cursor: page.cursor };
}

/** DynamoDB's answer to a Query of an index the table does not have. */
function isMissingIndex(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && /does not have the specified index/i.test(error.message);
}

/** The verdicts-table items of postings, in the postings' order (one BatchGet per 100). */
async function entryItemsOf(db: DynamoDBDocumentClient, tables: ListingTables, dumpId: string, postings: Item[]): Promise<Item[]> {
  const locators = postings.map(locatorOfItem);
  const found = new Map((await getAll(db, tables.verdicts, VERDICTS_TABLE, locators.map((locator) => verdictKey(dumpId, locator)))).map((item) => [locatorOfItem(item), item]));
  return locators.map((locator) => {
    const item = found.get(locator);
    if (item === undefined) throw new Error(`a search posting of dump ${dumpId} names no stored entry`);
    return item;
  });
}
