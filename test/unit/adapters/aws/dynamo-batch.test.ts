/**
 * Batches and throttling against dynalite. dynalite never throttles, so throttling is mocked: a middleware on the
 * client's stack, inside the SDK's retry loop, throws ProvisionedThroughputExceededException for some attempts
 * (what DynamoDB answers a request over a partition's throughput); and a client whose BatchWriteItem leaves items
 * unprocessed, as DynamoDB does under throttling.
 */
import { ProvisionedThroughputExceededException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DYNAMODB_MAX_ATTEMPTS, documentClient, dynamoDbClient } from '../../../../shared/adapters/aws/clients.ts';
import { backoffMs } from '../../../../shared/adapters/aws/backoff.ts';
import { getAll, lastWritePerKey, MAX_BATCH_ATTEMPTS, putsOf, writeAll } from '../../../../shared/adapters/aws/dynamo-batch.ts';
import { DynamoVerdictStore, type DynamoTables } from '../../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { POSTINGS_TABLE } from '../../../../shared/adapters/aws/table-design.ts';
import type { EntryRecord } from '../../../../shared/ports/verdict-store.ts';
import { createLeakproofResources, EMULATOR_CREDENTIALS, startAwsEmulators, type AwsEmulators, verdictTables } from '../../../helpers/aws-emulators.ts';
import { dumpInput, errorEntry, messageEntry, skippedEntry } from '../../../helpers/store-records.ts';

let emulators: AwsEmulators;
let tables: DynamoTables;
beforeAll(async () => {
  emulators = await startAwsEmulators();
});
afterAll(() => emulators.stop());
beforeEach(async () => {
  const resources = await createLeakproofResources(emulators);
  tables = verdictTables(resources);
});

/** A client made as the handlers make theirs (clients.ts), pointed at dynalite. */
function productionClient(): DynamoDBClient {
  return dynamoDbClient({ endpoint: emulators.endpoints.dynamodb, region: emulators.region, credentials: { ...EMULATOR_CREDENTIALS } });
}

/** Throws ProvisionedThroughputExceededException for every attempt `throttled(n)` picks (n counts attempts from 1). */
function injectThrottling(client: DynamoDBClient, throttled: (attempt: number) => boolean): { attempts: number; throttled: number } {
  const seen = { attempts: 0, throttled: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      seen.attempts++;
      if (throttled(seen.attempts)) {
        seen.throttled++;
        throw new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded (injected)', $metadata: { httpStatusCode: 400 } });
      }
      return next(args);
    },
    // The deserialize step runs inside the retry middleware's loop: each retry passes here again.
    { step: 'deserialize', priority: 'high', name: 'injectThrottling' },
  );
  return seen;
}

/** Runs `work` with fake timers, advancing them until it settles: the backoff's pauses take no time. */
async function withFakeTimers<T>(work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  let settled = false;
  const running = work().finally(() => (settled = true));
  running.catch(() => {}); // the caller sees the rejection; the loop below must not leave it unhandled meanwhile
  while (!settled) await vi.advanceTimersByTimeAsync(1_000);
  return running;
}

describe('retries', () => {
  afterEach(() => vi.useRealTimers());

  it('every client is made with adaptive retries and at least 10 attempts', async () => {
    const client = productionClient();
    const value = async (setting: unknown) => (typeof setting === 'function' ? await (setting as () => Promise<unknown>)() : setting);
    expect(await value(client.config.retryMode)).toBe('adaptive');
    expect(await value(client.config.maxAttempts)).toBe(DYNAMODB_MAX_ATTEMPTS);
    expect(DYNAMODB_MAX_ATTEMPTS).toBeGreaterThanOrEqual(10);
    client.destroy();
  });

  it('a store whose DynamoDB attempts are throttled, one in four for a while, still stores and counts a dump exactly', { timeout: 120_000 }, async () => {
    const client = productionClient();
    // A burst: adaptive mode slows the whole client down after each throttle, as it should, and a test must end.
    const seen = injectThrottling(client, (attempt) => attempt % 4 === 0 && attempt <= 32);
    const store = new DynamoVerdictStore(documentClient(client), tables);
    await store.openDump(dumpInput('T'), new Date());
    const entries: EntryRecord[] = Array.from({ length: 120 }, (_, i) => (i % 10 === 9 ? errorEntry(`m${i}.eml`) : messageEntry(`m${i}.eml`, { signedBy: [`d${i % 4}.example`] })));
    for (let job = 0; job < 4; job++) await store.putEntries('T', entries.slice(job * 30, job * 30 + 30), { id: `job-${job}`, extraLocated: 0 });
    await store.putEntries('T', entries.slice(0, 30), { id: 'job-0', extraLocated: 0 }); // delivered twice
    await store.finishSplitting('T', 120, new Date());
    expect(seen.throttled).toBe(8);
    const summary = (await store.summary('T'))!;
    expect(summary).toMatchObject({ dump: { status: 'complete', located: 120, processed: 120 }, messages: 108, errors: 12, byVerdict: { verified: 108 } });
    const signedBy = (d: number) => entries.filter((entry) => entry.kind === 'message' && entry.signatures[0]!.d === `d${d}.example`).length;
    expect(summary.signingDomains).toEqual(
      [0, 1, 2, 3].map((d) => ({ domain: `d${d}.example`, messages: signedBy(d) })).sort((a, b) => b.messages - a.messages || (a.domain < b.domain ? -1 : 1)),
    );
    expect(signedBy(0)).toBe(30);
    client.destroy();
  });

  it('a call throttled on every attempt fails after the attempts, with the throttling error', async () => {
    const client = productionClient();
    const seen = injectThrottling(client, () => true);
    const db = documentClient(client);
    // Nothing reaches dynalite: the SDK's pauses between attempts (up to 20 s each) are the only time spent.
    const failed = withFakeTimers(() => db.send(new GetCommand({ TableName: tables.dumps, Key: { dumpId: 'x', item: 'dump' } })));
    await expect(failed).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(seen.attempts).toBe(DYNAMODB_MAX_ATTEMPTS);
    client.destroy();
  });
});

describe('unprocessed batch items', () => {
  afterEach(() => vi.useRealTimers());

  /** A document client whose BatchWriteItem processes only the first `processed(call)` requests, leaving the rest unprocessed. */
  function leavingUnprocessed(db: DynamoDBDocumentClient, processed: (call: number) => number): { client: DynamoDBDocumentClient; calls: number[] } {
    const calls: number[] = [];
    const client = {
      send: async (command: unknown) => {
        if (!(command instanceof BatchWriteCommand)) return db.send(command as never);
        const [[table, requests]] = Object.entries(command.input.RequestItems!) as [[string, NonNullable<typeof command.input.RequestItems>[string]]];
        calls.push(requests.length);
        const n = Math.min(requests.length, processed(calls.length));
        if (n > 0) await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests.slice(0, n) } }));
        return { UnprocessedItems: n < requests.length ? { [table]: requests.slice(n) } : {} };
      },
    } as DynamoDBDocumentClient;
    return { client, calls };
  }

  const items = (n: number) => Array.from({ length: n }, (_, i) => ({ posting: 'p', item: `i${String(i).padStart(2, '0')}`, n: i }));

  it('are sent again until none are left', async () => {
    const db = documentClient(productionClient());
    const { client, calls } = leavingUnprocessed(db, (call) => (call <= 3 ? 4 : 25));
    await withFakeTimers(() => writeAll(client, tables.postings, POSTINGS_TABLE, putsOf(items(20))));
    expect(calls).toEqual([20, 16, 12, 8]);
    expect((await getAll(db, tables.postings, POSTINGS_TABLE, items(20).map(({ posting, item }) => ({ posting, item })))).length).toBe(20);
  });

  it('are given up on after MAX_BATCH_ATTEMPTS sends, with an error that says so', async () => {
    const db = documentClient(productionClient());
    const { client, calls } = leavingUnprocessed(db, () => 1);
    await expect(withFakeTimers(() => writeAll(client, tables.postings, POSTINGS_TABLE, putsOf(items(20))))).rejects.toThrow(
      `DynamoDB left 10 writes to ${tables.postings} unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`,
    );
    expect(calls).toHaveLength(MAX_BATCH_ATTEMPTS);
  });

  it('wait a random time up to an exponentially growing, capped bound (full jitter)', () => {
    expect(backoffMs(0, () => 0.99)).toBe(0);
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, () => 0.999_999))).toEqual([99, 199, 399, 799]);
    expect(backoffMs(9, () => 0.999_999)).toBe(4_999);
    expect(backoffMs(9, () => 0)).toBe(0);
  });
});

describe('duplicate keys', () => {
  it('never reach one BatchWriteItem: the last write of a key is the one made', async () => {
    const db = documentClient(productionClient());
    const writes = [...putsOf([{ posting: 'p', item: 'a', n: 1 }, { posting: 'p', item: 'b', n: 1 }, { posting: 'p', item: 'a', n: 2 }]), { DeleteRequest: { Key: { posting: 'p', item: 'b' } } }];
    expect(lastWritePerKey(POSTINGS_TABLE, writes)).toEqual([{ PutRequest: { Item: { posting: 'p', item: 'a', n: 2 } } }, { DeleteRequest: { Key: { posting: 'p', item: 'b' } } }]);
    await writeAll(db, tables.postings, POSTINGS_TABLE, writes);
    expect(await getAll(db, tables.postings, POSTINGS_TABLE, [{ posting: 'p', item: 'a' }, { posting: 'p', item: 'b' }, { posting: 'p', item: 'a' }])).toEqual([{ posting: 'p', item: 'a', n: 2 }]);
  });

  it('a batch naming one entry twice stores it once and counts it once', async () => {
    const store = new DynamoVerdictStore(documentClient(productionClient()), tables);
    await store.openDump(dumpInput('D'), new Date());
    const first = messageEntry('a.eml', { verdict: 'failed', reasons: ['body-hash-mismatch'] });
    const last = messageEntry('a.eml');
    // Two units, three records: a.eml twice (the worker counts one beyond its units).
    await store.putEntries('D', [first, skippedEntry('b.png'), last], { id: 'job-0', extraLocated: 1 });
    await store.finishSplitting('D', 2, new Date());
    expect(await store.getEntry('D', 'a.eml')).toEqual(last);
    expect(await store.counts('D')).toEqual({ status: 'complete', located: 2, messages: 1, documents: 0, skipped: 1, errors: 0 });
    expect((await store.summary('D'))!.byVerdict).toEqual({ verified: 1 });
  });
});
