/**
 * BatchWriteItem and BatchGetItem in their largest batches. Each call is retried by the SDK when it fails
 * (clients.ts); what DynamoDB accepts but leaves unprocessed (it does under throttling, per item) is sent again
 * here after an exponential backoff with full jitter, a bounded number of times, so callers see all-or-an-error.
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableDesign } from './table-design.ts';
import { pauseBeforeAttempt } from './backoff.ts';

type Item = Record<string, unknown>;

export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

const BATCH_WRITE_ITEMS = 25;
const BATCH_GET_ITEMS = 100;
/** Sends of one batch's leftovers, the first included: with backoff.ts's pauses, about 30 s before giving up. */
export const MAX_BATCH_ATTEMPTS = 10;

/** A key's identity within a table: its key attributes' values. */
function keyText(design: TableDesign, item: Item): string {
  return JSON.stringify([item[design.partitionKey], item[design.sortKey]]);
}

function keyOfWrite(write: WriteRequest): Item {
  return 'PutRequest' in write ? write.PutRequest.Item : write.DeleteRequest.Key;
}

/**
 * One write per key, the last given for it (a put after a delete of the same key is the put, and the other way
 * round): DynamoDB refuses a whole BatchWriteItem that names a key twice.
 */
export function lastWritePerKey(design: TableDesign, writes: readonly WriteRequest[]): WriteRequest[] {
  const byKey = new Map<string, WriteRequest>();
  for (const write of writes) {
    const key = keyText(design, keyOfWrite(write));
    byKey.delete(key); // re-inserted: the order of last writes is kept
    byKey.set(key, write);
  }
  return [...byKey.values()];
}

/** Puts and deletes, 25 at a time, each key written once (the last write given for it). */
export async function writeAll(db: DynamoDBDocumentClient, table: string, design: TableDesign, writes: readonly WriteRequest[]): Promise<void> {
  const unique = lastWritePerKey(design, writes);
  for (let i = 0; i < unique.length; i += BATCH_WRITE_ITEMS) {
    await untilProcessed(table, 'writes to', unique.slice(i, i + BATCH_WRITE_ITEMS), async (requests) => {
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      return (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    });
  }
}

export function putsOf(items: readonly Item[]): WriteRequest[] {
  return items.map((Item) => ({ PutRequest: { Item } }));
}

/** The items stored under these keys (absent ones left out), read consistently: what was last written. */
export async function getAll(db: DynamoDBDocumentClient, table: string, design: TableDesign, keys: readonly Item[]): Promise<Item[]> {
  const unique = [...new Map(keys.map((key) => [keyText(design, key), key])).values()];
  const found: Item[] = [];
  for (let i = 0; i < unique.length; i += BATCH_GET_ITEMS) {
    await untilProcessed(table, 'reads of', unique.slice(i, i + BATCH_GET_ITEMS), async (pending) => {
      const result = await db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
      found.push(...(result.Responses?.[table] ?? []));
      return result.UnprocessedKeys?.[table]?.Keys ?? [];
    });
  }
  return found;
}

/** Sends `requests`, then what each send leaves over, with backoff between sends, until none is left or attempts run out. */
async function untilProcessed<T>(table: string, what: string, requests: T[], send: (requests: T[]) => Promise<T[]>): Promise<void> {
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= MAX_BATCH_ATTEMPTS) {
      throw new Error(`DynamoDB left ${pending.length} ${what} ${table} unprocessed after ${MAX_BATCH_ATTEMPTS} attempts (throttled throughout)`);
    }
    await pauseBeforeAttempt(attempt);
    pending = await send(pending);
  }
}
