/**
 * Sharding on dynalite: a dump's writes spread over the shards, listings merge them back in locator order across
 * pages, counts are sums over counter shards, and each batch is counted once whatever point its counting was
 * cut at.
 */
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { counterPartition, MARKER_LIFETIME_DAYS } from '../../../../shared/adapters/aws/dynamo-counters.ts';
import { verdictPartition } from '../../../../shared/adapters/aws/dynamo-entry-items.ts';
import { allShards, boundedKey, byteOrder, shardOf } from '../../../../shared/adapters/aws/dynamo-keys.ts';
import { DynamoVerdictStore } from '../../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { DUMPS_TABLE, SHARDS, TTL_ATTRIBUTE, VERDICTS_TABLE } from '../../../../shared/adapters/aws/table-design.ts';
import type { EntryRecord, MessageQuery } from '../../../../shared/ports/verdict-store.ts';
import { emulatedResources } from '../../../helpers/aws-emulators.ts';
import { dumpInput, errorEntry, messageEntry, skippedEntry } from '../../../helpers/store-records.ts';

const AT = new Date('2026-11-21T10:00:00.000Z');
const aws = emulatedResources();
let store: DynamoVerdictStore;

beforeEach(async () => {
  store = new DynamoVerdictStore(aws.db, aws.tables);
});

/** Locators of every shape the byte order cares about: digits, capitals, accents, astral characters, prefixes. */
function locators(n: number): string[] {
  const shapes = ['a', 'B', 'é', '𝔘', 'z', '0', 'a/b', 'ａ'];
  return Array.from({ length: n }, (_, i) => `${shapes[i % shapes.length]}${i % 3 === 0 ? '' : '/'}${(i * 7919) % 1000}.eml`);
}

async function walk(dumpId: string, query: Omit<MessageQuery, 'cursor'>): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | undefined;
  do {
    const page = (await store.listMessages(dumpId, { ...query, cursor }))!;
    expect(page.messages.length).toBeLessThanOrEqual(query.limit);
    found.push(...page.messages.map((m) => m.locator));
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  return found;
}

describe('keys', () => {
  it('spread a dump over every shard, none taking much more than its share', () => {
    const counts = new Array<number>(SHARDS).fill(0);
    for (let i = 0; i < 70_000; i++) counts[shardOf(`dump.zip!/maildir/cur/${i}.eml`)]!++;
    expect(Math.max(...counts) / (70_000 / SHARDS)).toBeLessThan(1.1);
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });

  it('are shortened only when too long, injectively and within the limit', () => {
    expect(boundedKey('short', 1024)).toBe('short');
    const long = 'é'.repeat(600); // 1,200 bytes
    const bounded = boundedKey(long, 1024);
    expect(Buffer.byteLength(bounded)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(bounded)).toBeGreaterThan(1020);
    expect(bounded.startsWith('é'.repeat(400))).toBe(true);
    expect(boundedKey(`${long}x`, 1024)).not.toBe(bounded);
    // Anything as long as a shortened key is shortened too, so a name cannot pose as another's key.
    expect(boundedKey(bounded, 1024)).not.toBe(bounded);
  });
});

describe('listings', () => {
  const entries: EntryRecord[] = locators(600).map((path, i) =>
    i % 11 === 0 ? errorEntry(path) : i % 13 === 0 ? skippedEntry(path) : messageEntry(path, { verdict: i % 3 === 0 ? 'failed' : 'verified', reasons: i % 3 === 0 ? ['body-hash-mismatch'] : [], signedBy: [`d${i % 2}.example`] }),
  );

  beforeEach(async () => {
    await store.openDump(dumpInput('S'), AT);
    for (let i = 0; i < entries.length; i += 100) await store.putEntries('S', entries.slice(i, i + 100), { id: `job-${i}`, extraLocated: 0 });
  });

  it('write a dump over all its shards', async () => {
    const perShard = await Promise.all(
      allShards().map(async (shard) => (await aws.db.send(new QueryCommand({ TableName: aws.tables.verdicts, KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': VERDICTS_TABLE.partitionKey }, ExpressionAttributeValues: { ':p': verdictPartition('S', shard) }, Select: 'COUNT' }))).Count!),
    );
    expect(perShard.reduce((a, b) => a + b)).toBe(600);
    expect(perShard.every((n) => n > 0)).toBe(true);
  });

  it('merge the shards in locator (UTF-8 byte) order across pages, on every path', async () => {
    const listed = (filter: (entry: EntryRecord) => boolean) =>
      entries.filter((entry) => entry.kind !== 'skipped' && filter(entry)).map((entry) => entry.locator.path).sort(byteOrder);
    const cases: [Omit<MessageQuery, 'cursor' | 'limit'>, (entry: EntryRecord) => boolean][] = [
      [{}, () => true],
      [{ verdict: 'failed' }, (e) => e.kind === 'message' && e.verdict === 'failed'],
      [{ verdict: 'error' }, (e) => e.kind === 'error'],
      [{ domain: 'd1.example' }, (e) => e.kind === 'message' && e.signatures[0]!.d === 'd1.example'],
      [{ from: 'example.test', verdict: 'verified' }, (e) => e.kind === 'message' && e.verdict === 'verified'],
    ];
    for (const [query, filter] of cases) {
      const expected = listed(filter);
      expect(expected.length).toBeGreaterThan(30);
      // Small pages on one path (many pages, each a merge), larger on the others.
      expect(await walk('S', { ...query, limit: Object.keys(query).length === 0 ? 7 : 40 })).toEqual(expected);
    }
  });

  it('export and walk every entry in the same order', async () => {
    const exported: string[] = [];
    for await (const record of store.exportRecords('S')) exported.push(record.locator);
    expect(exported).toEqual(entries.filter((e) => e.kind !== 'skipped').map((e) => e.locator.path).sort(byteOrder));
  });
});

describe('counts', () => {
  it('are sums over the counter shards the batches landed in', async () => {
    await store.openDump(dumpInput('C'), AT);
    const batches = Array.from({ length: 12 }, (_, job) => Array.from({ length: 10 }, (_, i) => messageEntry(`j${job}-${i}.eml`, { signedBy: ['one.example'], sender: `x@s${i % 3}.example`, verdict: i % 5 === 0 ? 'failed' : 'verified', reasons: i % 5 === 0 ? ['body-hash-mismatch'] : [] })));
    for (const [job, batch] of batches.entries()) await store.putEntries('C', batch, { id: `job-${job}`, extraLocated: 0 });
    const used = new Set(batches.map((_, job) => shardOf(`job-${job}`)));
    expect(used.size).toBeGreaterThan(5);
    expect((await store.summary('C'))!).toMatchObject({
      messages: 120,
      byVerdict: { verified: 96, failed: 24 },
      byReason: { 'body-hash-mismatch': 24 },
      signingDomains: [{ domain: 'one.example', messages: 120 }],
      senderDomains: [
        { domain: 's0.example', messages: 48 },
        { domain: 's1.example', messages: 36 },
        { domain: 's2.example', messages: 36 },
      ],
      months: [{ month: '2023-11', byVerdict: { verified: 96, failed: 24 } }],
    });
    expect((await store.listDumps())[0]).toMatchObject({ id: 'C', processed: 120, messages: 120 });
  });

  it('keep each batch marker as an item of its own that expires, and no set of batches on any counter', async () => {
    await store.openDump(dumpInput('M'), AT);
    await store.putEntries('M', [messageEntry('a.eml')], { id: 'job-7', extraLocated: 0 });
    const partition = counterPartition('M', shardOf('job-7'));
    const items = (await aws.db.send(new QueryCommand({ TableName: aws.tables.dumps, KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': DUMPS_TABLE.partitionKey }, ExpressionAttributeValues: { ':p': partition } }))).Items!;
    const marker = items.find((item) => item.item === 'counted#job-7')!;
    expect(marker).toMatchObject({ state: 'done', batchId: 'job-7' });
    const lifetime = (marker[TTL_ATTRIBUTE] as number) - Date.now() / 1000;
    expect(Math.abs(lifetime - MARKER_LIFETIME_DAYS * 86_400)).toBeLessThan(120);
    for (const item of items) {
      expect(item).not.toHaveProperty('pending');
      expect(item).not.toHaveProperty('batches');
    }
    const { Item: dump } = await aws.db.send(new GetCommand({ TableName: aws.tables.dumps, Key: { dumpId: 'M', item: 'dump' } }));
    expect(Object.keys(dump!).sort()).toEqual(['bytes', 'dumpId', 'item', 'listing', 'name', 'sortKeys', 'source', 'startedAt', 'status']);
  });

  // Each write to the dumps table during a batch's counting is a point it can die at: the marker's put, every
  // counter's update, the state changes, every cleanup.
  it('are exact after a crash at any write of the counting, and a retry (or the dead-letter recorder) carries on', async () => {
    const batch = [messageEntry('a.eml', { signedBy: ['x.example', 'y.example'], sender: 'a@s.example' }), messageEntry('b.eml', { date: null, verdict: 'failed', reasons: ['body-hash-mismatch'] }), errorEntry('c.eml')];
    let writes = 0;
    for (let crashAt = 1; ; crashAt++) {
      const dumpId = `X${crashAt}`;
      await store.openDump(dumpInput(dumpId), AT);
      await store.finishSplitting(dumpId, 3, AT);
      let seen = 0;
      const crashing = {
        send: (command: unknown) => {
          const write = (command instanceof PutCommand || command instanceof UpdateCommand) && command.input.TableName === aws.tables.dumps;
          if (write && ++seen === crashAt) return Promise.reject(new Error('crashed'));
          return aws.db.send(command as never);
        },
      } as DynamoDBDocumentClient;
      // A delivery that dies: by the time the queue delivers again, its lease on the counting has run out.
      const first = new DynamoVerdictStore(crashing, aws.tables, { countingLease: { ms: 0, waitMs: 0 } }).putEntries(dumpId, batch, { id: 'job-0', extraLocated: 0 });
      const crashed = await first.then(() => false, () => true);
      if (!crashed) {
        writes = seen;
        break;
      }
      // Delivered again: once by the queue, once more by the dead-letter recorder with error entries of its own.
      await store.putEntries(dumpId, batch, { id: 'job-0', extraLocated: 0 });
      await store.putEntries(dumpId, batch.map((entry) => errorEntry(entry.locator.path, 'its job kept failing')), { id: 'job-0', extraLocated: 0 });
      expect(await store.counts(dumpId)).toEqual({ status: 'complete', located: 3, messages: 2, documents: 0, skipped: 0, errors: 1 });
      expect(await store.summary(dumpId)).toMatchObject({ byVerdict: { verified: 1, failed: 1 }, undated: 1, signingDomains: [{ domain: 'x.example', messages: 1 }, { domain: 'y.example', messages: 1 }], senderDomains: [{ domain: 'example.test', messages: 1 }, { domain: 's.example', messages: 1 }] });
      expect(await store.getEntry(dumpId, 'a.eml')).toMatchObject({ kind: 'message' });
    }
    // The marker, 6 counters (total, 2 signers, 2 senders, a month) added and cleaned, 2 state changes, the completion.
    expect(writes).toBe(1 + 6 + 1 + 6 + 1 + 1);
  });

  it('are exact when a batch is delivered three times at once, its claimer slower than the others', { timeout: 120_000 }, async () => {
    const batch = Array.from({ length: 60 }, (_, i) => messageEntry(`m${i}.eml`, { sender: `x@s${i}.example`, signedBy: [`d${i}.example`], date: `20${10 + (i % 12)}-01-01T00:00:00.000Z` }));
    for (let round = 0; round < 3; round++) {
      const dumpId = `twice${round}`;
      await store.openDump(dumpInput(dumpId), AT);
      await store.finishSplitting(dumpId, 60, AT);
      // The delivery that claims the batch is slow to count it (throttled retries, say); the other two claim a
      // moment later, find it claimed, and would overtake it.
      const delayed = (delay: (command: unknown) => number) =>
        ({ send: async (command: unknown) => (await new Promise((done) => setTimeout(done, delay(command))), aws.db.send(command as never)) }) as unknown as DynamoDBDocumentClient;
      const owner = delayed((command) => (command instanceof UpdateCommand ? 100 : 0));
      const late = delayed((command) => (command instanceof PutCommand && command.input.TableName === aws.tables.dumps ? 50 : 0));
      const deliveries = [owner, late, late].map((client) => new DynamoVerdictStore(client, aws.tables).putEntries(dumpId, batch, { id: 'job-0', extraLocated: 0 }));
      await Promise.all(deliveries);
      const summary = (await store.summary(dumpId))!;
      expect(summary.dump).toMatchObject({ status: 'complete', messages: 60 });
      expect(summary.senderDomains.reduce((sum, { messages }) => sum + messages, 0)).toBe(10);
      expect(summary.senderDomains.every(({ messages }) => messages === 1)).toBe(true);
      expect(summary.signingDomains.every(({ messages }) => messages === 1)).toBe(true);
      expect(summary.months.reduce((sum, { byVerdict }) => sum + (byVerdict.verified ?? 0), 0)).toBe(60);
    }
  });

  it('a second delivery that finds the counting owned, and not ending, fails to be delivered again; once the lease runs out it takes over', async () => {
    await store.openDump(dumpInput('L'), AT);
    await store.finishSplitting('L', 1, AT);
    // The owner claims the batch and dies before adding anything.
    const dying = {
      send: (command: unknown) => (command instanceof UpdateCommand && command.input.TableName === aws.tables.dumps ? Promise.reject(new Error('crashed')) : aws.db.send(command as never)),
    } as DynamoDBDocumentClient;
    await expect(new DynamoVerdictStore(dying, aws.tables, { countingLease: { ms: 1_500, waitMs: 0 } }).putEntries('L', [messageEntry('a.eml')], { id: 'job-0', extraLocated: 0 })).rejects.toThrow('crashed');
    const impatient = new DynamoVerdictStore(aws.db, aws.tables, { countingLease: { ms: 60_000, waitMs: 200 } });
    await expect(impatient.putEntries('L', [messageEntry('a.eml')], { id: 'job-0', extraLocated: 0 })).rejects.toThrow('batch job-0 of dump L is being counted by another delivery; try again later');
    await new DynamoVerdictStore(aws.db, aws.tables, { countingLease: { ms: 60_000, waitMs: 5_000 } }).putEntries('L', [messageEntry('a.eml')], { id: 'job-0', extraLocated: 0 });
    expect(await store.counts('L')).toEqual({ status: 'complete', located: 1, messages: 1, documents: 0, skipped: 0, errors: 0 });
  });
});
