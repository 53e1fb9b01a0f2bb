/**
 * Entries DynamoDB would refuse as they are, stored for real on dynalite and s3rver: a record over the item limit
 * goes to S3 with a pointer and reads back whole on every path; a locator over the sort-key limit is keyed by a
 * hash and kept whole; what still cannot be stored becomes an error entry, and the rest of its batch is stored.
 */
import { DynamoDBDocumentClient, GetCommand, PutCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { verdictKey } from '../../../../shared/adapters/aws/dynamo-entry-items.ts';
import { DynamoVerdictStore, RECORD_OFFLOAD_BYTES } from '../../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { S3BlobStore } from '../../../../shared/adapters/aws/s3-blob-store.ts';
import { RECORDS_PREFIX } from '../../../../shared/adapters/aws/settings.ts';
import { MAX_SORT_KEY_BYTES, VERDICTS_TABLE } from '../../../../shared/adapters/aws/table-design.ts';
import type { EntryRecord, MessageRecord } from '../../../../shared/ports/verdict-store.ts';
import { emulatedResources } from '../../../helpers/aws-emulators.ts';
import { dumpInput, messageEntry, signature } from '../../../helpers/store-records.ts';

const AT = new Date('2026-11-21T10:00:00.000Z');
const aws = emulatedResources();
let blobs: S3BlobStore;
let store: DynamoVerdictStore;

beforeEach(async () => {
  blobs = new S3BlobStore(aws.emulators.s3, aws.resources.bucket);
  store = new DynamoVerdictStore(aws.db, aws.tables, { blobs });
  await store.openDump(dumpInput('P'), AT);
});

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const item of items) found.push(item);
  return found;
}

/** The item stored for a locator, as DynamoDB holds it. */
async function storedItem(locator: string): Promise<Record<string, unknown> | undefined> {
  return (await aws.db.send(new GetCommand({ TableName: aws.tables.verdicts, Key: verdictKey('P', locator) }))).Item;
}

const bigSubject = 'S'.repeat(250 * 1024);
const manySignatures = (n: number) => Array.from({ length: n }, (_, i) => signature(`d${i}.example`, { index: i, s: `s${i}` }));

describe('records too large for an item', () => {
  it('a 250 KB Subject is kept in S3 and read back whole by getEntry, the listings and the export', async () => {
    const big = messageEntry('big.eml', { subject: bigSubject, signedBy: ['big.example'] });
    await store.putEntries('P', [big, messageEntry('small.eml')], { id: 'job-0', extraLocated: 0 });
    const item = (await storedItem('big.eml'))!;
    expect(item.blob).toMatch(new RegExp(`^${RECORDS_PREFIX}P/[0-9a-f]{64}\\.json$`));
    expect(item).not.toHaveProperty('record');
    expect(item).not.toHaveProperty('subject');
    expect(item.verdict).toBe('verified');
    expect(await store.getEntry('P', 'big.eml')).toEqual(big);
    for (const query of [{}, { verdict: 'verified' as const }, { domain: 'big.example' }, { from: 'example.test' }]) {
      const listed = (await store.listMessages('P', { limit: 10, ...query }))!.messages.find((m) => m.locator === 'big.eml');
      expect(listed?.subject).toBe(bigSubject);
    }
    expect((await all(store.exportRecords('P'))).map((r) => [r.locator, r.subject?.length])).toEqual([
      ['big.eml', bigSubject.length],
      ['small.eml', 'Subject of small.eml'.length],
    ]);
    expect((await store.summary('P'))!).toMatchObject({ messages: 2, byVerdict: { verified: 2 } });
    // The small one stayed whole in DynamoDB.
    expect(await storedItem('small.eml')).toHaveProperty('record');
  });

  it('3,000 signatures round-trip, every signer and selector indexed', async () => {
    const many = messageEntry('many.eml', { signatures: manySignatures(3000), verdict: 'unverified', reasons: ['key-unavailable'] });
    await store.putEntries('P', [many], { id: 'job-0', extraLocated: 0 });
    expect((await storedItem('many.eml'))!.blob).toEqual(expect.any(String));
    expect(await store.getEntry('P', 'many.eml')).toEqual(many);
    const listed = (await store.listMessages('P', { limit: 10, domain: 'd2999.example' }))!.messages;
    expect(listed.map((m) => [m.locator, m.signingDomains.length])).toEqual([['many.eml', 3000]]);
    expect(await all(store.selectorUses('d1234.example', 's1234'))).toEqual([expect.objectContaining({ dumpId: 'P', locator: 'many.eml', verdict: 'unverified' })]);
    const summary = (await store.summary('P'))!;
    expect(summary.signingDomains).toHaveLength(10);
    expect(summary.signingDomains.every(({ messages }) => messages === 1)).toBe(true);

    // Re-verified: the replacement is as large, and read back whole too.
    const after: MessageRecord = { ...many, verdict: 'verified', reasons: [], history: [{ verdict: 'unverified', reasons: ['key-unavailable'], rulesVersion: 1, verifiedAt: many.verifiedAt, replacedAt: AT.toISOString(), cause: 'new-key' }] };
    await store.replaceMessages('P', [after], 'reverify-1');
    await store.replaceMessages('P', [after], 'reverify-1');
    expect(await store.getEntry('P', 'many.eml')).toEqual(after);
    expect((await store.summary('P'))!.byVerdict).toEqual({ verified: 1 });
  });

  it('without a blob store, such a record becomes an error entry saying why, and its batch is stored and counted', async () => {
    const bare = new DynamoVerdictStore(aws.db, aws.tables);
    await bare.putEntries('P', [messageEntry('big.eml', { subject: bigSubject }), messageEntry('small.eml')], { id: 'job-0', extraLocated: 0 });
    await bare.finishSplitting('P', 2, AT);
    expect(await bare.getEntry('P', 'big.eml')).toEqual({
      kind: 'error',
      locator: { path: 'big.eml' },
      sha256: messageEntry('big.eml').sha256,
      detail: expect.stringMatching(new RegExp(`^could not be stored: its record takes \\d+ bytes, over the ${RECORD_OFFLOAD_BYTES} kept in DynamoDB`)),
    });
    expect(await bare.counts('P')).toEqual({ status: 'complete', located: 2, messages: 1, documents: 0, skipped: 0, errors: 1 });
  });

  it('an entry DynamoDB refuses is stored as an error entry with its reason, and the rest of its batch as it is', async () => {
    // dynalite takes what DynamoDB might not; the refusal of one item is mocked (a ValidationException for it).
    const refusing = {
      send: (command: unknown) => {
        const refuses = (item: Record<string, unknown>) => item.locator === 'refused.eml' && item.kind === 'message';
        if (command instanceof BatchWriteCommand && (command.input.RequestItems![aws.tables.verdicts] ?? []).some((w) => w.PutRequest && refuses(w.PutRequest.Item!))) {
          return Promise.reject(Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' }));
        }
        if (command instanceof PutCommand && refuses(command.input.Item!)) {
          return Promise.reject(Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' }));
        }
        return aws.db.send(command as never);
      },
    } as DynamoDBDocumentClient;
    const odd = new DynamoVerdictStore(refusing, aws.tables, { blobs });
    await odd.putEntries('P', [messageEntry('ok.eml'), messageEntry('refused.eml')], { id: 'job-0', extraLocated: 0 });
    expect(await store.getEntry('P', 'ok.eml')).toEqual(messageEntry('ok.eml'));
    expect(await store.getEntry('P', 'refused.eml')).toMatchObject({ kind: 'error', detail: 'could not be stored: DynamoDB refused it: Item size has exceeded the maximum allowed size' });
    expect((await store.summary('P'))!).toMatchObject({ messages: 1, errors: 1 });
  });
});

describe('keys too long for DynamoDB', () => {
  const longPath = `${'deep/'.repeat(300)}message.eml`; // 1,511 bytes
  const longer = `${longPath.slice(0, -4)}2.eml`; // shares its first 1,500 bytes with it

  it('a 1,500-byte locator is keyed by a hash and round-trips whole on every path', async () => {
    expect(Buffer.byteLength(longPath)).toBeGreaterThan(1500);
    const entries: EntryRecord[] = [
      messageEntry(longPath, { signedBy: ['long.example'], sender: 'x@long.example', rulesVersion: 0 }),
      messageEntry(longer, { verdict: 'failed', reasons: ['body-hash-mismatch'], signedBy: ['long.example'] }),
    ];
    await store.putEntries('P', entries, { id: 'job-0', extraLocated: 0 });
    const item = (await storedItem(longPath))!;
    expect(Buffer.byteLength(item[VERDICTS_TABLE.sortKey] as string)).toBeLessThanOrEqual(MAX_SORT_KEY_BYTES);
    expect(item.locatorFull).toBe(longPath);
    expect(await store.getEntry('P', longPath)).toEqual(entries[0]);
    expect(await store.getEntry('P', longer)).toEqual(entries[1]);
    expect(await store.storedLocators('P')).toEqual(new Set([longPath, longer]));
    for (const query of [{}, { domain: 'long.example' }, { from: 'long.example' }, { verdict: 'failed' as const }]) {
      const listed = (await store.listMessages('P', { limit: 10, ...query }))!.messages.map((m) => m.locator);
      expect(listed.length).toBeGreaterThan(0);
      for (const locator of listed) expect([longPath, longer]).toContain(locator);
    }
    expect((await all(store.exportRecords('P'))).map((r) => r.locator).sort()).toEqual([longPath, longer].sort());
    expect(await all(store.messagesBeforeRules('P', 1))).toEqual([longPath]);
    expect((await all(store.selectorUses('long.example', 'sel1'))).map((use) => use.locator).sort()).toEqual([longPath, longer].sort());
  });

  it('a locator of 1,500 bytes that is a hashed key of another cannot take its place', async () => {
    const item = (await storedItem(longPath)) ?? {};
    expect(item).toEqual({});
    await store.putEntries('P', [messageEntry(longPath)], { id: 'job-0', extraLocated: 0 });
    const key = (await storedItem(longPath))![VERDICTS_TABLE.sortKey] as string;
    // A message named like that key is a different entry.
    await store.putEntries('P', [messageEntry(key, { verdict: 'failed', reasons: ['body-hash-mismatch'] })], { id: 'job-1', extraLocated: 0 });
    expect(await store.getEntry('P', longPath)).toMatchObject({ verdict: 'verified' });
    expect(await store.getEntry('P', key)).toMatchObject({ verdict: 'failed' });
  });
});
