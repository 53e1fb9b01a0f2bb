import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoKeyArchive } from '../../../../shared/adapters/aws/dynamo-key-archive.ts';
import { DynamoVerdictStore } from '../../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { listingFromItem, senderIndexPartition, signerPosting, verdictIndexPartition, verdictKey } from '../../../../shared/adapters/aws/dynamo-entry-items.ts';
import { allShards } from '../../../../shared/adapters/aws/dynamo-keys.ts';
import { listMessages } from '../../../../shared/adapters/aws/dynamo-message-listing.ts';
import { LISTING_ATTRIBUTES, VERDICTS_TABLE } from '../../../../shared/adapters/aws/table-design.ts';
import { BadCursorError, type EntryRecord, type MessageQuery, type MessageRecord } from '../../../../shared/ports/verdict-store.ts';
import { emulatedResources } from '../../../helpers/aws-emulators.ts';
import { archivedKey, dumpInput, errorEntry, messageEntry, signature, skippedEntry } from '../../../helpers/store-records.ts';

const AT = new Date('2026-11-21T10:00:00.000Z');
const DEAD_LEASE = { ms: 0, waitMs: 0 };
const aws = emulatedResources();
let store: DynamoVerdictStore;
let archive: DynamoKeyArchive;

beforeEach(async () => {
  store = new DynamoVerdictStore(aws.db, aws.tables);
  archive = new DynamoKeyArchive(aws.db, aws.resources.keysTable);
});

const BATCH = [
  messageEntry('a.eml', { signedBy: ['campaign.example', 'esp.example'] }),
  messageEntry('b.eml', { verdict: 'failed', reasons: ['body-hash-mismatch'], signedBy: ['campaign.example'] }),
  skippedEntry('scan.png'),
  errorEntry('c.eml'),
];

/** A message with headers and signatures of its own: `signatures` as [d, s] pairs. */
function message(path: string, fields: Partial<MessageRecord> & { signed?: [string, string][] } = {}): MessageRecord {
  const { signed = [], ...rest } = fields;
  return { ...messageEntry(path), signatures: signed.map(([d, s], index) => signature(d, { index, s })), ...rest };
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const item of items) found.push(item);
  return found;
}

/** Every locator a listing shows, page after page. */
async function walk(dumpId: string, query: Omit<MessageQuery, 'cursor'>): Promise<string[]> {
  const locators: string[] = [];
  let cursor: string | undefined;
  do {
    const page = (await store.listMessages(dumpId, { ...query, cursor }))!;
    expect(page.messages.length).toBeLessThanOrEqual(query.limit);
    locators.push(...page.messages.map((m) => m.locator));
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  return locators;
}

describe('DynamoVerdictStore: ingest counts', () => {
  it('counts a batch once however often it is delivered, and completes the dump when its entries add up', async () => {
    const dump = await store.openDump(dumpInput('d1'), AT);
    expect(dump.status).toBe('splitting');
    await store.putEntries('d1', BATCH, { id: 'job-0', extraLocated: 0 });
    await store.putEntries('d1', BATCH, { id: 'job-0', extraLocated: 0 });
    expect(await store.counts('d1')).toEqual({ status: 'splitting', located: undefined, messages: 2, documents: 0, skipped: 1, errors: 1 });
    expect(await store.isBatchCounted('d1', 'job-0')).toBe(true);
    expect(await store.isBatchCounted('d1', 'job-1')).toBe(false);

    await store.finishSplitting('d1', 5, AT);
    expect((await store.counts('d1'))?.status).toBe('processing');
    await store.putEntries('d1', [messageEntry('d.eml', { signedBy: ['esp.example'] })], { id: 'job-1', extraLocated: 0 });
    const summary = await store.summary('d1');
    expect(summary).toMatchObject({
      dump: { id: 'd1', status: 'complete', finishedAt: expect.any(String), located: 5, processed: 5, messages: 3, skipped: 1, errors: 1 },
      messages: 3,
      skipped: 1,
      errors: 1,
      byVerdict: { verified: 2, failed: 1 },
      byReason: { 'body-hash-mismatch': 1 },
      signingDomains: [
        { domain: 'campaign.example', messages: 2 },
        { domain: 'esp.example', messages: 2 },
      ],
    });
  });

  it('completes when the split finishes after the workers, and counts entries found beyond the located units', async () => {
    await store.openDump(dumpInput('d2'), AT);
    // One unit turned out to be a zip of three messages: two entries beyond the one located.
    await store.putEntries('d2', [messageEntry('x.zip!/1.eml'), messageEntry('x.zip!/2.eml'), messageEntry('x.zip!/3.eml')], { id: 'job-0', extraLocated: 2 });
    expect((await store.counts('d2'))?.status).toBe('splitting');
    expect((await store.listDumps())[0]).toMatchObject({ located: null, processed: 3 });
    await store.finishSplitting('d2', 1, AT);
    expect(await store.counts('d2')).toEqual({ status: 'complete', located: 3, messages: 3, documents: 0, skipped: 0, errors: 0 });
  });

  it('does not complete while entries are missing', async () => {
    await store.openDump(dumpInput('d3'), AT);
    await store.finishSplitting('d3', 4, AT);
    await store.putEntries('d3', BATCH.slice(0, 3), { id: 'job-0', extraLocated: 0 });
    expect((await store.counts('d3'))?.status).toBe('processing');
  });

  it('exports messages and errors in locator order, lists dumps newest first, and reopens an interrupted split', async () => {
    await store.openDump(dumpInput('old'), new Date('2026-01-01T00:00:00Z'));
    await store.openDump(dumpInput('new'), AT);
    await store.putEntries('new', [...BATCH].reverse());
    const exported = await all(store.exportRecords('new'));
    expect(exported.map((r) => [r.locator, r.verdict])).toEqual([
      ['a.eml', 'verified'],
      ['b.eml', 'failed'],
      ['c.eml', 'error'],
    ]);
    expect(exported[0]).toMatchObject({ dump: 'new', messageId: '<a.eml@example.test>', signatures: [{ d: 'campaign.example' }, { d: 'esp.example' }] });
    expect((await store.listDumps()).map((d) => d.id)).toEqual(['new', 'old']);
    expect((await store.summary())?.dump.id).toBe('new');
    expect(await store.storedLocators('new')).toEqual(new Set(['a.eml', 'b.eml', 'scan.png', 'c.eml']));

    await store.setStatus('old', 'interrupted', AT);
    expect((await store.openDump(dumpInput('old'), AT)).status).toBe('splitting');
    await expect(store.putEntries('missing', BATCH, { id: 'job-0', extraLocated: 0 })).rejects.toThrow('no dump missing in the store');
  });
});

describe('DynamoVerdictStore: listings', () => {
  const MESSAGES: EntryRecord[] = [
    message('m01.eml', { sender: 'alice@one.example', date: '2017-01-10T00:00:00.000Z', signed: [['one.example', 's1']] }),
    message('m02.eml', { sender: 'bob@one.example', date: '2017-02-10T00:00:00.000Z', verdict: 'failed', reasons: ['body-hash-mismatch'], signed: [['one.example', 's1'], ['esp.example', 'k2']] }),
    message('m03.eml', { sender: 'carol@two.example', date: null, verdict: 'unverified', reasons: ['no-signature'] }),
    message('m04.eml', { sender: null, date: '2017-03-10T00:00:00.000Z', verdict: 'partially-verified', reasons: ['sha1', 'weak-key'], signed: [['esp.example', 'k2']] }),
    skippedEntry('m05.png'),
    errorEntry('m06.eml'),
    message('m07.eml', { sender: 'alice@one.example', date: '2017-04-10T00:00:00.000Z', verdict: 'partially-verified', reasons: ['signer-not-aligned'], signed: [['ESP.example', 'K2']] }),
  ];

  beforeEach(async () => {
    await store.openDump(dumpInput('L'), AT);
    await store.putEntries('L', MESSAGES);
  });

  const list = async (query: Omit<MessageQuery, 'limit'>) => (await store.listMessages('L', { limit: 100, ...query }))!.messages.map((m) => m.locator);

  it('pages by "after this locator", so a cursor carries on along any index, and refuses cursors it did not make', async () => {
    for (const query of [{}, { verdict: 'partially-verified' as const }, { domain: 'esp.example' }, { from: 'one.example' }, { after: '2000-01-01T00:00:00.000Z' }]) {
      const whole = await list(query);
      expect(whole.length).toBeGreaterThan(1);
      expect(await walk('L', { ...query, limit: 1 })).toEqual(whole);
    }
    const first = (await store.listMessages('L', { limit: 2 }))!;
    expect(await list({ cursor: first.cursor!, verdict: 'partially-verified' })).toEqual(['m04.eml', 'm07.eml']);
    expect(await list({ cursor: first.cursor!, domain: 'esp.example' })).toEqual(['m04.eml', 'm07.eml']);
    for (const cursor of ['garbage!', Buffer.from('{"after":1}').toString('base64url'), Buffer.from('{"v":1,"after":"x","more":1}').toString('base64url')]) {
      await expect(store.listMessages('L', { limit: 2, cursor })).rejects.toBeInstanceOf(BadCursorError);
    }
  });

  it('returns what it has, with a cursor, when a sparse filter has used up the reading one request may do', async () => {
    // 200 entries dated before the filter sort before the two after it; one round of Queries per request reads
    // two entries of each shard, too few to reach them.
    await store.putEntries('L', Array.from({ length: 200 }, (_, i) => message(`a${String(i).padStart(3, '0')}.eml`, { date: '2016-01-01T00:00:00.000Z' })));
    const query = { limit: 1, after: '2017-03-01T00:00:00.000Z' };
    const listingOf = async (item: Record<string, unknown>) => listingFromItem(item);
    const first = await listMessages(aws.db, aws.tables, 'L', query, listingOf, 1);
    expect(first).toEqual({ messages: [], cursor: expect.any(String) });
    const locators: string[] = [];
    let cursor: string | undefined;
    let requests = 0;
    do {
      const page = await listMessages(aws.db, aws.tables, 'L', { ...query, cursor }, listingOf, 1);
      locators.push(...page.messages.map((m) => m.locator));
      cursor = page.cursor ?? undefined;
      requests++;
    } while (cursor !== undefined);
    expect(locators).toEqual(['m04.eml', 'm07.eml']);
    expect(requests).toBeGreaterThan(1);
  });

  it('writes a posting for every signing domain, and copies only the listing into the verdict indexes', async () => {
    const inShards = async (input: (shard: number) => QueryCommandInput) =>
      (await Promise.all(allShards().map(async (shard) => (await aws.db.send(new QueryCommand(input(shard)))).Items ?? []))).flat();
    const postings = await inShards((shard) => ({ TableName: aws.tables.postings, KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'posting' }, ExpressionAttributeValues: { ':p': signerPosting('L', 'esp.example', shard) } }));
    expect(postings.map((item) => item.item).sort()).toEqual(['m02.eml', 'm04.eml', 'm07.eml']);
    for (const index of [VERDICTS_TABLE.byVerdict, VERDICTS_TABLE.bySender]) {
      const value = (shard: number) => (index === VERDICTS_TABLE.byVerdict ? verdictIndexPartition('L', 'failed', shard) : senderIndexPartition('L', 'one.example', shard));
      const items = await inShards((shard) => ({ TableName: aws.tables.verdicts, IndexName: index.indexName, KeyConditionExpression: '#k = :v', ExpressionAttributeNames: { '#k': index.partitionKey }, ExpressionAttributeValues: { ':v': value(shard) } }));
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        const keys = [VERDICTS_TABLE.partitionKey, VERDICTS_TABLE.sortKey, index.partitionKey];
        expect(item).not.toHaveProperty('record');
        for (const name of Object.keys(item)) expect([...keys, ...LISTING_ATTRIBUTES]).toContain(name);
      }
    }
  });
});

describe('DynamoVerdictStore: re-verification', () => {
  const signed = (path: string, fields: Partial<MessageRecord> = {}) =>
    message(path, { verdict: 'unverified', reasons: ['key-unavailable'], date: '2018-06-01T00:00:00.000Z', signed: [['one.example', 'S1'], ['esp.example', 'k2']], ...fields });

  beforeEach(async () => {
    await store.openDump(dumpInput('R'), AT);
    await store.putEntries('R', [signed('r1.eml'), signed('r2.eml', { rulesVersion: 0 }), messageEntry('r3.eml'), skippedEntry('r4.png')], { id: 'job-0', extraLocated: 0 });
  });

  /** r1 re-verified: a key turned up. */
  const reverified = (record: MessageRecord): MessageRecord => ({
    ...record,
    verdict: 'verified',
    reasons: [],
    rulesVersion: 2,
    signatures: record.signatures.map((s) => ({ ...s, status: 'pass' as const, key: { ...s.key!, record: 'v=DKIM1; p=NEW' } })),
    history: [{ verdict: record.verdict, reasons: record.reasons, rulesVersion: record.rulesVersion, verifiedAt: record.verifiedAt, replacedAt: AT.toISOString(), cause: 'new-key' }],
  });

  it('finds what to re-verify by selector and by rules version', async () => {
    expect((await all(store.seenSelectors())).sort((a, b) => (a.domain < b.domain ? -1 : 1))).toEqual([
      { domain: 'esp.example', selector: 'k2' },
      { domain: 'one.example', selector: 's1' },
    ]);
    expect(await all(store.selectorUses('one.example', 's1'))).toEqual([
      { dumpId: 'R', locator: 'r1.eml', verdict: 'unverified', rulesVersion: 1, status: 'pass', keyRecord: 'v=DKIM1; k=rsa; p=MIIB', keyCompromisedAt: null },
      { dumpId: 'R', locator: 'r2.eml', verdict: 'unverified', rulesVersion: 0, status: 'pass', keyRecord: 'v=DKIM1; k=rsa; p=MIIB', keyCompromisedAt: null },
    ]);
    expect(await all(store.selectorUses('nobody.example', 's1'))).toEqual([]);
    expect(await store.dumpsBeforeRules(1)).toEqual(['R']);
    expect(await store.dumpsBeforeRules(0)).toEqual([]);
    expect(await all(store.messagesBeforeRules('R', 1))).toEqual(['r2.eml']);
    expect(await all(store.messagesBeforeRules('R', 2))).toEqual(['r1.eml', 'r2.eml', 'r3.eml']);
  });

  it('moves the counts once per batch id, rewrites the item and its postings, and leaves an equal record alone', async () => {
    const before = (await store.getEntry('R', 'r1.eml')) as MessageRecord;
    const after = reverified(before);
    await store.replaceMessages('R', [after], 'reverify-1');
    await store.replaceMessages('R', [after], 'reverify-1');
    await store.replaceMessages('R', [after], 'reverify-2'); // equal to what is stored: nothing moves
    expect(await store.getEntry('R', 'r1.eml')).toEqual(after);
    const summary = (await store.summary('R'))!;
    expect(summary).toMatchObject({ messages: 3, byVerdict: { verified: 2, unverified: 1 }, byReason: { 'key-unavailable': 1 } });
    expect(summary.months).toEqual([
      { month: '2018-06', byVerdict: { verified: 1, unverified: 1 } },
      { month: '2023-11', byVerdict: { verified: 1 } },
    ]);
    expect(await store.dumpsBeforeRules(2)).toEqual(['R']);
    expect(await all(store.messagesBeforeRules('R', 2))).toEqual(['r2.eml', 'r3.eml']);
    expect((await all(store.selectorUses('one.example', 's1')))[0]).toMatchObject({ locator: 'r1.eml', verdict: 'verified', rulesVersion: 2, keyRecord: 'v=DKIM1; p=NEW' });
    expect((await store.listMessages('R', { limit: 10, domain: 'esp.example', verdict: 'verified' }))!.messages.map((m) => m.locator)).toEqual(['r1.eml']);
    expect((await store.listMessages('R', { limit: 10, reason: 'key-unavailable' }))!.messages.map((m) => m.locator)).toEqual(['r2.eml']);

    // A late redelivery of the ingest job finds itself counted and does not put the old verdict back.
    await store.putEntries('R', [signed('r1.eml')], { id: 'job-0', extraLocated: 0 });
    expect((await store.getEntry('R', 'r1.eml')) as MessageRecord).toMatchObject({ verdict: 'verified' });
  });

  // Crash points in write order: the verdict item's conditional put, the counting, the postings.
  const crashes = {
    'the verdict write': (command: unknown) => command instanceof PutCommand && command.input.TableName === aws.tables.verdicts,
    'the counting': (command: unknown) => command instanceof UpdateCommand && command.input.TableName === aws.tables.dumps,
    'the postings write': (command: unknown) => command instanceof BatchWriteCommand && aws.tables.postings in command.input.RequestItems!,
  };
  it.each(Object.keys(crashes) as (keyof typeof crashes)[])('a retry after a crash at %s counts the move exactly once and writes what was left', async (crashAt) => {
    const after = reverified((await store.getEntry('R', 'r1.eml')) as MessageRecord);
    const crashing = {
      send: (command: unknown) => (crashes[crashAt](command) ? Promise.reject(new Error('crashed')) : aws.db.send(command as never)),
    } as DynamoDBDocumentClient;
    // A delivery that dies: by the time the queue delivers again, its lease on the counting has run out.
    await expect(new DynamoVerdictStore(crashing, aws.tables, { countingLease: DEAD_LEASE }).replaceMessages('R', [after], 'reverify-1')).rejects.toThrow('crashed');
    expect(await store.getEntry('R', 'r1.eml')).toMatchObject({ verdict: crashAt === 'the verdict write' ? 'unverified' : 'verified' });
    expect((await store.summary('R'))!.byVerdict).toEqual(crashAt === 'the postings write' ? { verified: 2, unverified: 1 } : { verified: 1, unverified: 2 });

    await store.replaceMessages('R', [after], 'reverify-1');
    await store.replaceMessages('R', [after], 'reverify-1');
    expect(await store.getEntry('R', 'r1.eml')).toEqual(after);
    expect((await store.summary('R'))!).toMatchObject({ byVerdict: { verified: 2, unverified: 1 }, months: [{ month: '2018-06', byVerdict: { verified: 1, unverified: 1 } }, { month: '2023-11', byVerdict: { verified: 1 } }] });
    expect((await all(store.selectorUses('esp.example', 'k2'))).map((use) => use.verdict)).toEqual(['verified', 'unverified']);
    expect((await store.listMessages('R', { limit: 10, domain: 'one.example', verdict: 'verified' }))!.messages.map((m) => m.locator)).toEqual(['r1.eml']);
  });

  it('of two runs replacing one message at once, only the one that writes it counts the move', async () => {
    const after = reverified((await store.getEntry('R', 'r1.eml')) as MessageRecord);
    const other = new DynamoVerdictStore(aws.db, aws.tables);
    await Promise.all([store.replaceMessages('R', [after], 'run-a-0'), other.replaceMessages('R', [after], 'run-b-0')]);
    expect(await store.getEntry('R', 'r1.eml')).toEqual(after);
    expect((await store.summary('R'))!.byVerdict).toEqual({ verified: 2, unverified: 1 });
  });

  it('reads records stored before history, sender, rules versions, To, Cc and unsignedShown existed, and refuses to replace what is not stored', async () => {
    const { history: _history, sender: _sender, rulesVersion: _rules, to: _to, cc: _cc, unsignedShown: _unsignedShown, ...legacy } = messageEntry('legacy.eml', { signedBy: ['old.example'], to: 'a@x.example', cc: 'b@x.example' });
    const oldKey = { ...legacy.signatures[0]!.key! } as Partial<NonNullable<MessageRecord['signatures'][0]['key']>>;
    delete oldKey.compromisedAt;
    const record = { ...legacy, signatures: [{ ...legacy.signatures[0]!, key: oldKey }] };
    await aws.db.send(new PutCommand({ TableName: aws.tables.verdicts, Item: { ...verdictKey('R', 'legacy.eml'), dumpId: 'R', kind: 'message', record: JSON.stringify(record) } }));
    expect(await store.getEntry('R', 'legacy.eml')).toEqual({ ...messageEntry('legacy.eml', { signedBy: ['old.example'] }), sender: null, history: [], rulesVersion: 1, unsignedShown: null });
    expect(await store.getEntry('R', 'r4.png')).toEqual(skippedEntry('r4.png'));
    expect(await store.getEntry('R', 'nothing.eml')).toBeNull();
    await expect(store.replaceMessages('R', [messageEntry('nothing.eml')], 'reverify-9')).rejects.toThrow('no entry nothing.eml in dump R');
    // Batches counted are markers of their own, not a set on the dump's item.
    const { Item: dump } = await aws.db.send(new GetCommand({ TableName: aws.tables.dumps, Key: { dumpId: 'R', item: 'dump' } }));
    expect(dump).not.toHaveProperty('batches');
    expect(await store.isBatchCounted('R', 'job-0')).toBe(true);
  });
});

describe('DynamoKeyArchive', () => {
  it('finds keys by selector, oldest first, and widens the seen-window of a key seen again', async () => {
    await archive.record(archivedKey({ domain: 'Example.COM.', value: 'v=DKIM1; p=new', firstSeenAt: '2024-01-01T00:00:00Z', lastSeenAt: '2024-02-01T00:00:00Z' }));
    await archive.record(archivedKey({ value: 'v=DKIM1; p=old', firstSeenAt: '2017-01-01T00:00:00Z', lastSeenAt: '2017-06-01T00:00:00Z', source: 'zk' }));
    await archive.record(archivedKey({ value: 'v=DKIM1; p=old', firstSeenAt: '2016-05-01T00:00:00Z', lastSeenAt: '2017-03-01T00:00:00Z', source: 'dns' }));
    const keys = await archive.find('example.com', 'SEL1');
    expect(keys).toEqual([
      { domain: 'example.com', selector: 'sel1', value: 'v=DKIM1; p=old', firstSeenAt: '2016-05-01T00:00:00.000Z', lastSeenAt: '2017-06-01T00:00:00.000Z', source: 'zk', compromisedAt: null },
      { domain: 'example.com', selector: 'sel1', value: 'v=DKIM1; p=new', firstSeenAt: '2024-01-01T00:00:00.000Z', lastSeenAt: '2024-02-01T00:00:00.000Z', source: 'test', compromisedAt: null },
    ]);
    expect(await archive.find('example.com', 'other')).toEqual([]);
  });

  it('keeps the earliest compromisedAt either record names', async () => {
    await archive.record(archivedKey({ value: 'v=DKIM1; p=k' }));
    await archive.record(archivedKey({ value: 'v=DKIM1; p=k', compromisedAt: '2020-01-01T00:00:00Z' }));
    expect((await archive.find('example.com', 'sel1'))[0]?.compromisedAt).toBe('2020-01-01T00:00:00.000Z');
    await archive.record(archivedKey({ value: 'v=DKIM1; p=k', compromisedAt: '2021-01-01T00:00:00Z' }));
    await archive.record(archivedKey({ value: 'v=DKIM1; p=k', compromisedAt: null }));
    expect((await archive.find('example.com', 'sel1'))[0]?.compromisedAt).toBe('2020-01-01T00:00:00.000Z');
    await archive.record(archivedKey({ value: 'v=DKIM1; p=k', compromisedAt: '2019-06-01T00:00:00Z' }));
    expect((await archive.find('example.com', 'sel1'))[0]?.compromisedAt).toBe('2019-06-01T00:00:00.000Z');
  });

  it('finds every record of a domain, by selector, then first seen', async () => {
    await archive.record(archivedKey({ selector: 'b', value: 'v=DKIM1; p=b2', firstSeenAt: '2022-01-01T00:00:00Z' }));
    await archive.record(archivedKey({ selector: 'b', value: 'v=DKIM1; p=b1', firstSeenAt: '2021-01-01T00:00:00Z' }));
    await archive.record(archivedKey({ selector: 'a', value: 'v=DKIM1; p=a' }));
    await archive.record(archivedKey({ domain: 'other.example', selector: 'a', value: 'v=DKIM1; p=x' }));
    expect((await archive.findByDomain('Example.com')).map((key) => [key.selector, key.value])).toEqual([
      ['a', 'v=DKIM1; p=a'],
      ['b', 'v=DKIM1; p=b1'],
      ['b', 'v=DKIM1; p=b2'],
    ]);
    expect(await archive.findByDomain('nobody.example')).toEqual([]);
  });
});
