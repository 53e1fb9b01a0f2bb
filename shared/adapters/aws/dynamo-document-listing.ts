/**
 * A page of a dump's documents, from their listing postings ("documents#<dump>#<shard>", dynamo-file-postings.ts)
 * merged across the shards in locator order, as message listings are: the cursor is "after this locator" on every
 * shard. Filters (provenance, type, name) are a FilterExpression on the posting's own attributes; a request reads
 * at most MAX_ROUNDS rounds of Queries and returns what it found with a cursor, so a rare filter never reads a
 * whole dump in one call. Documents are few beside messages, and their postings small (~300 bytes).
 */
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { locatorAfterCursor } from '../../pipeline/message-listing.ts';
import type { DocumentPage, DocumentQuery } from '../../ports/verdict-store.ts';
import { documentListingOf, documentsPartition, nameKey } from './dynamo-file-postings.ts';
import { allShards } from './dynamo-keys.ts';
import { MAX_ROUNDS, readPage, ShardMerge } from './dynamo-shard-merge.ts';
import { POSTINGS_TABLE, SHARDS } from './table-design.ts';

const MAX_QUERY_LIMIT = 1000;

/** The Query of each shard of a dump's document postings, with `extra` merged in (names and values too). */
export function documentShardQueries(table: string, dumpId: string, extra: Partial<QueryCommandInput> = {}): QueryCommandInput[] {
  return allShards().map((shard) => ({
    ...extra,
    TableName: table,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { ...extra.ExpressionAttributeNames, '#pk': POSTINGS_TABLE.partitionKey },
    ExpressionAttributeValues: { ...extra.ExpressionAttributeValues, ':pk': documentsPartition(dumpId, shard) },
  }));
}

function filterOf(query: DocumentQuery): Partial<QueryCommandInput> {
  const conditions: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const equal = (attribute: string, value: string) => {
    names[`#f_${attribute}`] = attribute;
    values[`:f_${attribute}`] = value;
    conditions.push(`#f_${attribute} = :f_${attribute}`);
  };
  if (query.provenance !== undefined) equal('provenance', query.provenance);
  if (query.type !== undefined) equal('typeKey', query.type);
  if (query.name !== undefined) equal('nameKey', nameKey(query.name));
  return conditions.length === 0 ? {} : { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

/** A page of the dump's documents (the caller checks that the dump exists). `maxRounds`: for tests. */
export async function listDocuments(db: DynamoDBDocumentClient, table: string, dumpId: string, query: DocumentQuery, maxRounds = MAX_ROUNDS): Promise<DocumentPage> {
  const after = query.cursor === undefined ? undefined : locatorAfterCursor(query.cursor);
  const sortKeyOf = (item: Record<string, unknown>) => item[POSTINGS_TABLE.sortKey] as string;
  const merge = new ShardMerge(db, {
    inputs: documentShardQueries(table, dumpId, filterOf(query)),
    sortKeyOf,
    startAfter: (shard, at) => ({ [POSTINGS_TABLE.partitionKey]: documentsPartition(dumpId, shard), [POSTINGS_TABLE.sortKey]: at }),
    after,
    firstPageItems: Math.ceil((query.limit + 1) / SHARDS) + 1,
    maxPageItems: MAX_QUERY_LIMIT,
  });
  const page = await readPage(merge, query.limit, sortKeyOf, maxRounds);
  return { documents: page.items.map(documentListingOf), cursor: page.cursor };
}
