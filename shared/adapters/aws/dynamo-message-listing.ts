/**
 * A page of a dump's messages, always from a Query in locator order. The most selective key the filters name
 * picks the partition read:
 * - domain:  the signer postings of (dump, domain) in the postings table (every signing domain of a message);
 * - from:    the bySender index partition of (dump, sender domain);
 * - verdict / reason: the byVerdict index partition of the verdict (a reason's, from REASONS);
 * - else:    the dump's partition of the verdicts table.
 * The other filters become a FilterExpression. Every partition read sorts by locator, so a cursor is only "after
 * this locator" and resumes on any path; it is an ExclusiveStartKey built for the path read.
 */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { senderDomainOf, type MessageListing, type MessagePage, type MessageQuery } from '../../ports/verdict-store.ts';
import { cursorAfter, listedVerdict, locatorAfterCursor } from '../../pipeline/message-listing.ts';
import { listingFromItem, signerPosting, type Item } from './dynamo-entry-items.ts';
import { LISTING_ATTRIBUTES, POSTINGS_TABLE, VERDICTS_TABLE } from './table-design.ts';

export interface ListingTables {
  verdicts: string;
  postings: string;
}

/**
 * Queries one request may make before it returns what it has, with a cursor: a filter that few messages pass must
 * not read a whole dump in one API call. Pages grow from `limit + 1` items (exact when nothing is filtered).
 */
const MAX_QUERIES = 16;
const MAX_QUERY_LIMIT = 1000;

/** Where a listing reads, and how to start after a locator there. */
interface AccessPath {
  input: QueryCommandInput;
  startAfter(locator: string): Item;
  /** The locator of a LastEvaluatedKey. */
  locatorOf(key: Item): string;
  /** Attributes the partition key already holds equal: no filter needed. */
  served: { verdict?: true; senderDomain?: true };
  /** The partition holds skipped entries too (the verdicts table's): they are stored, never listed. */
  holdsSkipped?: true;
}

/**
 * A Query of one partition whose items sort by locator: `keyAt` is the whole key (the table's, and the index's when
 * one is read) of the item at a locator, where a page resumes; `locatorAttribute` holds the locator.
 */
function partitionPath(table: string, partitionKey: string, partition: string, locatorAttribute: string, keyAt: (locator: string) => Item, indexName?: string): Omit<AccessPath, 'served'> {
  return {
    input: {
      TableName: table,
      ...(indexName === undefined ? {} : { IndexName: indexName }),
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': partitionKey },
      ExpressionAttributeValues: { ':pk': partition },
    },
    startAfter: keyAt,
    locatorOf: (key) => key[locatorAttribute] as string,
  };
}

function indexPath(tables: ListingTables, dumpId: string, index: typeof VERDICTS_TABLE.byVerdict | typeof VERDICTS_TABLE.bySender, value: string): Omit<AccessPath, 'served'> {
  const partition = `${dumpId}#${value}`;
  const keyAt = (locator: string) => ({ [index.partitionKey]: partition, [VERDICTS_TABLE.partitionKey]: dumpId, [VERDICTS_TABLE.sortKey]: locator });
  return partitionPath(tables.verdicts, index.partitionKey, partition, VERDICTS_TABLE.sortKey, keyAt, index.indexName);
}

/** The path for a query; null when its filters cannot all hold (a reason of another verdict than the one asked). */
function accessPath(tables: ListingTables, dumpId: string, query: MessageQuery): AccessPath | null {
  if (query.domain !== undefined) {
    const posting = signerPosting(dumpId, query.domain);
    const keyAt = (locator: string) => ({ [POSTINGS_TABLE.partitionKey]: posting, [POSTINGS_TABLE.sortKey]: locator });
    return { ...partitionPath(tables.postings, POSTINGS_TABLE.partitionKey, posting, POSTINGS_TABLE.sortKey, keyAt), served: {} };
  }
  const senderDomain = query.from === undefined ? null : query.from.includes('@') ? senderDomainOf(query.from) : query.from;
  if (senderDomain) return { ...indexPath(tables, dumpId, VERDICTS_TABLE.bySender, senderDomain), served: { senderDomain: true } };
  const verdict = listedVerdict(query);
  if (verdict === null) return null;
  if (verdict !== undefined) return { ...indexPath(tables, dumpId, VERDICTS_TABLE.byVerdict, verdict), served: { verdict: true } };
  const keyAt = (locator: string) => ({ [VERDICTS_TABLE.partitionKey]: dumpId, [VERDICTS_TABLE.sortKey]: locator });
  return { ...partitionPath(tables.verdicts, VERDICTS_TABLE.partitionKey, dumpId, VERDICTS_TABLE.sortKey, keyAt), served: {}, holdsSkipped: true };
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
  if (path.holdsSkipped) condition('kind', 'skipped', (name, value) => `${name} <> ${value}`);
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

/** A page of the dump's listed entries (the caller checks that the dump exists). `maxQueries`: for tests. */
export async function listMessages(db: DynamoDBDocumentClient, tables: ListingTables, dumpId: string, query: MessageQuery, maxQueries = MAX_QUERIES): Promise<MessagePage> {
  const after = query.cursor === undefined ? undefined : locatorAfterCursor(query.cursor);
  const path = accessPath(tables, dumpId, query);
  if (path === null) return { messages: [], cursor: null };
  const filter = filterOf(path, query);
  const projection = Object.fromEntries(['locator', ...LISTING_ATTRIBUTES].map((name) => [`#p_${name}`, name]));
  const input: QueryCommandInput = {
    ...path.input,
    ...filter,
    ExpressionAttributeNames: { ...path.input.ExpressionAttributeNames, ...filter.ExpressionAttributeNames, ...projection },
    ExpressionAttributeValues: { ...path.input.ExpressionAttributeValues, ...filter.ExpressionAttributeValues },
    ProjectionExpression: Object.keys(projection).join(', '),
  };

  const messages: MessageListing[] = [];
  let start = after === undefined ? undefined : path.startAfter(after);
  let pageLimit = Math.min(MAX_QUERY_LIMIT, query.limit + 1);
  for (let queries = 1; ; queries++) {
    const page = await db.send(new QueryCommand({ ...input, Limit: pageLimit, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      // Every item returned passed the filter: one beyond the page is proof that more follow.
      if (messages.length === query.limit) return { messages, cursor: cursorAfter(messages.at(-1)!.locator) };
      messages.push(listingFromItem(item));
    }
    start = page.LastEvaluatedKey;
    if (start === undefined) return { messages, cursor: null };
    // A full page, or the request's reading done: more may follow where the Query stopped.
    if (messages.length === query.limit || queries >= maxQueries) return { messages, cursor: cursorAfter(path.locatorOf(start)) };
    pageLimit = Math.min(MAX_QUERY_LIMIT, pageLimit * 4);
  }
}
