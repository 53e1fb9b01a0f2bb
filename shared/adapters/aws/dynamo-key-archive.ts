import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { keyRecordName } from '../../dkim/key-record.ts';
import { earliest, latest, normaliseName, normaliseTime } from '../../keys/seen-window.ts';
import type { ArchivedKey, KeyArchive } from '../../ports/key-archive.ts';
import { queryAll } from './dynamo-query.ts';
import { KEYS_TABLE } from './table-design.ts';

const MAX_RECORD_ATTEMPTS = 5;

/**
 * The key archive on DynamoDB: one item per (selector name, key value), the partition being
 * "selector._domainkey.domain", so `find` is one Query. Widening a key's seen-window is read-modify-write,
 * guarded by a version number so concurrent workers cannot undo each other's widening.
 */
export class DynamoKeyArchive implements KeyArchive {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  async find(domain: string, selector: string): Promise<ArchivedKey[]> {
    const keys: { key: ArchivedKey; recordedAt: string }[] = [];
    const query = {
      TableName: this.#table,
      KeyConditionExpression: '#name = :name',
      ExpressionAttributeNames: { '#name': KEYS_TABLE.partitionKey },
      ExpressionAttributeValues: { ':name': selectorName(domain, selector) },
    };
    for await (const item of queryAll(this.#db, query)) keys.push({ key: keyOf(item), recordedAt: item.recordedAt as string });
    // As the local archive orders them: by when first seen, undated records last, then in the order recorded.
    const when = (key: ArchivedKey) => key.firstSeenAt ?? key.lastSeenAt;
    return keys
      .sort((a, b) => {
        const [x, y] = [when(a.key), when(b.key)];
        if ((x === null) !== (y === null)) return x === null ? 1 : -1;
        if (x !== y && x !== null && y !== null) return x < y ? -1 : 1;
        return a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : 0;
      })
      .map(({ key }) => key);
  }

  async record(key: ArchivedKey): Promise<void> {
    const domain = normaliseName(key.domain);
    const selector = normaliseName(key.selector);
    const itemKey = { [KEYS_TABLE.partitionKey]: selectorName(domain, selector), [KEYS_TABLE.sortKey]: valueHash(key.value) };
    const firstSeenAt = normaliseTime(key.firstSeenAt, 'firstSeenAt');
    const lastSeenAt = normaliseTime(key.lastSeenAt, 'lastSeenAt');
    for (let attempt = 1; ; attempt++) {
      const { Item: stored } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: itemKey, ConsistentRead: true }));
      const first = stored ? earliest((stored.firstSeenAt as string | undefined) ?? null, firstSeenAt) : firstSeenAt;
      const last = stored ? latest((stored.lastSeenAt as string | undefined) ?? null, lastSeenAt) : lastSeenAt;
      if (stored && first === (stored.firstSeenAt ?? null) && last === (stored.lastSeenAt ?? null)) return;
      const version = stored ? (stored.version as number) : 0;
      const item = {
        ...itemKey,
        domain,
        selector,
        value: key.value,
        firstSeenAt: first ?? undefined,
        lastSeenAt: last ?? undefined,
        source: (stored?.source as string | undefined) ?? key.source ?? undefined,
        recordedAt: (stored?.recordedAt as string | undefined) ?? new Date().toISOString(),
        version: version + 1,
      };
      try {
        await this.#db.send(
          new PutCommand({
            TableName: this.#table,
            Item: item,
            ConditionExpression: stored ? '#version = :version' : 'attribute_not_exists(#name)',
            ExpressionAttributeNames: stored ? { '#version': 'version' } : { '#name': KEYS_TABLE.partitionKey },
            ExpressionAttributeValues: stored ? { ':version': version } : undefined,
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_RECORD_ATTEMPTS) throw error;
      }
    }
  }
}

function selectorName(domain: string, selector: string): string {
  return keyRecordName(normaliseName(domain), normaliseName(selector));
}

function valueHash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function keyOf(item: Record<string, unknown>): ArchivedKey {
  return {
    domain: item.domain as string,
    selector: item.selector as string,
    value: item.value as string,
    firstSeenAt: (item.firstSeenAt as string | undefined) ?? null,
    lastSeenAt: (item.lastSeenAt as string | undefined) ?? null,
    source: (item.source as string | undefined) ?? null,
  };
}
