import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoKeyArchive } from '../../../../shared/adapters/aws/dynamo-key-archive.ts';
import { DynamoVerdictStore } from '../../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { VERDICTS_TABLE } from '../../../../shared/adapters/aws/table-design.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators } from '../../../helpers/aws-emulators.ts';
import { archivedKey, dumpInput, errorEntry, messageEntry, skippedEntry } from '../../../helpers/store-records.ts';

const AT = new Date('2026-11-21T10:00:00.000Z');
let emulators: AwsEmulators;
let db: DynamoDBDocumentClient;
let store: DynamoVerdictStore;
let archive: DynamoKeyArchive;
let verdictsTable: string;

beforeAll(async () => {
  emulators = await startAwsEmulators();
  db = DynamoDBDocumentClient.from(emulators.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
});
afterAll(() => emulators.stop());
beforeEach(async () => {
  const resources = await createLeakproofResources(emulators);
  verdictsTable = resources.verdictsTable;
  store = new DynamoVerdictStore(db, { dumps: resources.dumpsTable, verdicts: resources.verdictsTable });
  archive = new DynamoKeyArchive(db, resources.keysTable);
});

const BATCH = [
  messageEntry('a.eml', { signedBy: ['campaign.example', 'esp.example'] }),
  messageEntry('b.eml', { verdict: 'failed', reasons: ['body-hash-mismatch'], signedBy: ['campaign.example'] }),
  skippedEntry('scan.png'),
  errorEntry('c.eml'),
];

describe('DynamoVerdictStore', () => {
  it('counts a batch once however often it is delivered, and completes the dump when its entries add up', async () => {
    const dump = await store.openDump(dumpInput('d1'), AT);
    expect(dump.status).toBe('splitting');
    await store.putEntries('d1', BATCH, { id: 'job-0', extraLocated: 0 });
    await store.putEntries('d1', BATCH, { id: 'job-0', extraLocated: 0 });
    expect(await store.counts('d1')).toEqual({ status: 'splitting', located: undefined, messages: 2, skipped: 1, errors: 1 });
    expect(await store.isBatchCounted('d1', 'job-0')).toBe(true);
    expect(await store.isBatchCounted('d1', 'job-1')).toBe(false);

    await store.finishSplitting('d1', 5, AT);
    expect((await store.counts('d1'))?.status).toBe('processing');
    await store.putEntries('d1', [messageEntry('d.eml', { signedBy: ['esp.example'] })], { id: 'job-1', extraLocated: 0 });
    const summary = await store.summary('d1');
    expect(summary).toMatchObject({
      dump: { id: 'd1', status: 'complete', finishedAt: expect.any(String) },
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
    await store.finishSplitting('d2', 1, AT);
    expect(await store.counts('d2')).toEqual({ status: 'complete', located: 3, messages: 3, skipped: 0, errors: 0 });
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
    const exported = [];
    for await (const record of store.exportRecords('new')) exported.push(record);
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

  it('answers "messages of a dump by verdict" and "by signing domain" with index queries', async () => {
    await store.openDump(dumpInput('d4'), AT);
    await store.putEntries('d4', BATCH);
    const query = async (index: typeof VERDICTS_TABLE.byVerdict | typeof VERDICTS_TABLE.byDomain, value: string) => {
      const page = await db.send(new QueryCommand({ TableName: verdictsTable, IndexName: index.indexName, KeyConditionExpression: '#k = :v', ExpressionAttributeNames: { '#k': index.partitionKey }, ExpressionAttributeValues: { ':v': value } }));
      return (page.Items ?? []).map((item) => item.locator);
    };
    expect(await query(VERDICTS_TABLE.byVerdict, 'd4#failed')).toEqual(['b.eml']);
    expect(await query(VERDICTS_TABLE.byVerdict, 'd4#error')).toEqual(['c.eml']);
    expect(await query(VERDICTS_TABLE.byDomain, 'd4#campaign.example')).toEqual(['a.eml', 'b.eml']);
  });
});

describe('DynamoKeyArchive', () => {
  it('finds keys by selector, oldest first, and widens the seen-window of a key seen again', async () => {
    await archive.record(archivedKey({ domain: 'Example.COM.', value: 'v=DKIM1; p=new', firstSeenAt: '2024-01-01T00:00:00Z', lastSeenAt: '2024-02-01T00:00:00Z' }));
    await archive.record(archivedKey({ value: 'v=DKIM1; p=old', firstSeenAt: '2017-01-01T00:00:00Z', lastSeenAt: '2017-06-01T00:00:00Z', source: 'zk' }));
    await archive.record(archivedKey({ value: 'v=DKIM1; p=old', firstSeenAt: '2016-05-01T00:00:00Z', lastSeenAt: '2017-03-01T00:00:00Z', source: 'dns' }));
    const keys = await archive.find('example.com', 'SEL1');
    expect(keys).toEqual([
      { domain: 'example.com', selector: 'sel1', value: 'v=DKIM1; p=old', firstSeenAt: '2016-05-01T00:00:00.000Z', lastSeenAt: '2017-06-01T00:00:00.000Z', source: 'zk' },
      { domain: 'example.com', selector: 'sel1', value: 'v=DKIM1; p=new', firstSeenAt: '2024-01-01T00:00:00.000Z', lastSeenAt: '2024-02-01T00:00:00.000Z', source: 'test' },
    ]);
    expect(await archive.find('example.com', 'other')).toEqual([]);
  });
});
