/**
 * BatchWriteItem and BatchGetItem in their largest batches, retrying what DynamoDB leaves unprocessed (it does
 * under throttling) with a growing pause, so callers see all-or-an-error.
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

const BATCH_WRITE_ITEMS = 25;
const BATCH_GET_ITEMS = 100;
const MAX_ATTEMPTS = 9;

async function pause(attempt: number): Promise<void> {
  if (attempt > 0) await new Promise((done) => setTimeout(done, Math.min(2000, 50 * 2 ** attempt)));
}

/** Puts and deletes, 25 at a time (a batch must not name one key twice: callers pass each key once). */
export async function writeAll(db: DynamoDBDocumentClient, table: string, writes: readonly WriteRequest[]): Promise<void> {
  for (let i = 0; i < writes.length; i += BATCH_WRITE_ITEMS) {
    let requests = writes.slice(i, i + BATCH_WRITE_ITEMS);
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error(`DynamoDB kept ${requests.length} writes to ${table} unprocessed`);
      await pause(attempt);
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    }
  }
}

export function putsOf(items: readonly Item[]): WriteRequest[] {
  return items.map((Item) => ({ PutRequest: { Item } }));
}

/** The items stored under these keys (absent ones left out), read consistently: what was last written. */
export async function getAll(db: DynamoDBDocumentClient, table: string, keys: readonly Item[]): Promise<Item[]> {
  const found: Item[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_ITEMS) {
    let pending = keys.slice(i, i + BATCH_GET_ITEMS);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error(`DynamoDB kept ${pending.length} reads of ${table} unprocessed`);
      await pause(attempt);
      const result = await db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
      found.push(...(result.Responses?.[table] ?? []));
      pending = result.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return found;
}
