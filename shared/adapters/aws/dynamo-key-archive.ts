import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { keyRecordName } from '../../dkim/key-record.ts';
import { earliest, latest, normaliseName, normaliseTime } from '../../keys/seen-window.ts';
import type { ArchivedKey, KeyArchive } from '../../ports/key-archive.ts';
import { queryAll } from './dynamo-query.ts';
import { KEYS_TABLE } from './table-design.ts';

const MAX_RECORD_ATTEMPTS = 5;

/**
 * The key archive on DynamoDB: one item per (selector name, key value), the partition being
 * "selector._domainkey.domain", so `find` is one Query; `findByDomain` is one Query of the byDomain index. Widening
 * a key's seen-window (or moving its compromisedAt earlier) is read-modify-write, guarded by a version number so
 * concurrent workers cannot undo each other's widening.
 */
export class DynamoKeyArchive implements KeyArchive {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  async find(domain: string, selector: string): Promise<ArchivedKey[]> {
    return this.#query({
      KeyConditionExpression: '#name = :name',
      ExpressionAttributeNames: { '#name': KEYS_TABLE.partitionKey },
      ExpressionAttributeValues: { ':name': selectorName(domain, selector) },
    });
  }

  /** From the byDomain index (partition: the domain, sorted by selector). */
  async findByDomain(domain: string): Promise<ArchivedKey[]> {
    const { indexName, partitionKey } = KEYS_TABLE.byDomain;
    const keys = await this.#query({
      IndexName: indexName,
      KeyConditionExpression: '#domain = :domain',
      ExpressionAttributeNames: { '#domain': partitionKey },
      ExpressionAttributeValues: { ':domain': normaliseName(domain) },
    });
    // Stable: each selector's records stay in find's order.
    return keys.sort((a, b) => (a.selector < b.selector ? -1 : a.selector > b.selector ? 1 : 0));
  }

  /** The keys a Query finds, as the local archive orders them: by when first seen, undated records last, then in the order recorded. */
  async #query(input: Omit<QueryCommandInput, 'TableName'>): Promise<ArchivedKey[]> {
    const keys: { key: ArchivedKey; recordedAt: string }[] = [];
    for await (const item of queryAll(this.#db, { ...input, TableName: this.#table })) keys.push({ key: keyOf(item), recordedAt: item.recordedAt as string });
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
    const compromisedAt = normaliseTime(key.compromisedAt ?? null, 'compromisedAt');
    for (let attempt = 1; ; attempt++) {
      const { Item: stored } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: itemKey, ConsistentRead: true }));
      const first = stored ? earliest((stored.firstSeenAt as string | undefined) ?? null, firstSeenAt) : firstSeenAt;
      const last = stored ? latest((stored.lastSeenAt as string | undefined) ?? null, lastSeenAt) : lastSeenAt;
      // The earliest claim of a compromise stands: a key known to be out was out from then on.
      const compromised = stored ? earliest((stored.compromisedAt as string | undefined) ?? null, compromisedAt) : compromisedAt;
      if (stored && first === (stored.firstSeenAt ?? null) && last === (stored.lastSeenAt ?? null) && compromised === (stored.compromisedAt ?? null)) return;
      const version = stored ? (stored.version as number) : 0;
      const item = {
        ...itemKey,
        domain,
        selector,
        value: key.value,
        firstSeenAt: first ?? undefined,
        lastSeenAt: last ?? undefined,
        compromisedAt: compromised ?? undefined,
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
    compromisedAt: (item.compromisedAt as string | undefined) ?? null,
  };
}
