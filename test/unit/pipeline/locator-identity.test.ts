/**
 * Located = stored, in every case: a dump whose members are named in the locators' own syntax, plus a nested zip
 * with two container-level errors, through the real readers into SQLite (the local ingest) and DynamoDB (the
 * same ingest, and the AWS fan-out's split and jobs); and re-verification finds each message again by locator.
 */
import { documentClient } from '../../../shared/adapters/aws/clients.ts';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoVerdictStore } from '../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { FileBlobStore } from '../../../shared/adapters/local/file-blob-store.ts';
import { openLocalDatabase } from '../../../shared/adapters/local/sqlite-database.ts';
import { SqliteVerdictStore } from '../../../shared/adapters/local/sqlite-verdict-store.ts';
import { locatorKey, type Locator, type MessageEntry } from '../../../shared/dump/entry.ts';
import { readDump } from '../../../shared/dump/open-dump.ts';
import { locateUnits, readLocated } from '../../../shared/fanout/locate-units.ts';
import { ingest } from '../../../shared/pipeline/ingest.ts';
import { verifyEntry } from '../../../shared/pipeline/verify-entry.ts';
import type { VerdictStore } from '../../../shared/ports/verdict-store.ts';
import type { WorkQueue } from '../../../shared/ports/work-queue.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators } from '../../helpers/aws-emulators.ts';
import { makeTempDir, removeDir, writeFiles } from '../../helpers/dump-files.ts';
import { fanoutRecords } from '../../helpers/fanout-records.ts';
import { staticResolver } from '../../helpers/keys.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { deflated, deflatedMember, lookalikeNamesZip, rawZip, zerosBomb } from '../../helpers/zip-bombs.ts';

const AT = new Date('2026-11-21T00:00:00Z');
const MiB = 1024 * 1024;
const verifier = createVerifier(staticResolver({}));
const message = (n: number): Buffer => buildMessage({ subject: `Message ${n}`, messageId: `<${n}@campaign.example>` });

let dir: string;
let dumpPath: string;
let emulators: AwsEmulators;
let db: DynamoDBDocumentClient;

/**
 * The look-alike members, and `nested.zip`: a zip's first member, then zeros, recording 9 MiB. Its copy stops
 * there (an error about the member); the copy's first member is read, then the zeros are no zip record (an
 * error about the archive).
 */
function dumpZip(): Buffer {
  const firstMember = rawZip([deflatedMember('inner.eml', deflated(message(6)))], { withoutCentralDirectory: true });
  return lookalikeNamesZip(message, [deflatedMember('nested.zip', zerosBomb(1024, firstMember), { uncompressedSize: 9 * MiB })]);
}

beforeAll(async () => {
  dir = await makeTempDir();
  await writeFiles(dir, { 'dump.zip': dumpZip() });
  dumpPath = join(dir, 'dump.zip');
  emulators = await startAwsEmulators();
  db = documentClient(emulators.dynamodb);
});
afterAll(async () => {
  await emulators?.stop();
  await removeDir(dir);
});

/** What the readers locate in the dump. */
async function located(): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of readDump(dumpPath)) keys.push(locatorKey(entry.locator));
  return keys;
}

/** The local ingest's pipeline, messages verified in-process (the worker pool does it on threads). */
async function ingestInto(store: VerdictStore, id: string) {
  const inline = (onResult: (record: Awaited<ReturnType<typeof verifyEntry>>) => void): WorkQueue<MessageEntry> => ({
    async submit(entry) {
      onResult(await verifyEntry(entry, verifier, AT));
    },
    async drain() {},
    async close() {},
  });
  return ingest({ dump: Promise.resolve({ id, name: 'dump.zip', source: dumpPath, bytes: 1 }), entries: readDump(dumpPath), store, startQueue: inline, now: () => AT });
}

async function dynamoStore(): Promise<DynamoVerdictStore> {
  const resources = await createLeakproofResources(emulators);
  return new DynamoVerdictStore(db, { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable });
}

describe('every entry keeps its own identity', () => {
  it('the readers locate 6 messages and 2 errors of one nested zip, each under its own key', async () => {
    const keys = await located();
    expect(keys).toHaveLength(8);
    expect(new Set(keys).size).toBe(8);
    expect(keys.slice(-3)).toEqual(['nested.zip', 'nested.zip!/inner.eml', 'nested.zip!/']);
  });

  it('stores all of them in SQLite through the local ingest', async () => {
    const database = openLocalDatabase(join(dir, 'home'));
    const store = new SqliteVerdictStore(database);
    const { progress } = await ingestInto(store, 'sqlite-dump');
    expect(progress).toMatchObject({ located: 8, messages: 6, errors: 2, alreadyStored: 0 });
    expect([...(await store.storedLocators('sqlite-dump'))].sort()).toEqual((await located()).sort());
    const summary = (await store.summary('sqlite-dump'))!;
    expect([summary.messages, summary.errors]).toEqual([6, 2]);
    database.close();
  });

  it('stores all of them in DynamoDB, through the same ingest and through the fan-out', async () => {
    const store = await dynamoStore();
    await ingestInto(store, 'dynamo-dump');
    expect([...(await store.storedLocators('dynamo-dump'))].sort()).toEqual((await located()).sort());

    const blobs = new FileBlobStore(dir);
    const { records, units } = await fanoutRecords(blobs, 'dump.zip', 'dump.zip', verifier, AT);
    await store.openDump({ id: 'fanout-dump', name: 'dump.zip', source: 's3://bucket/dump.zip', bytes: 1 }, AT);
    await store.putEntries('fanout-dump', records, { id: 'job-0', extraLocated: 0 });
    await store.finishSplitting('fanout-dump', units, AT);
    expect([...(await store.storedLocators('fanout-dump'))].sort()).toEqual((await located()).sort());
    expect(await store.counts('fanout-dump')).toMatchObject({ status: 'complete', messages: 6, errors: 2 });
  });

  it('re-verification finds each stored message again by its locator', async () => {
    const messages: Locator[] = [];
    for await (const entry of readDump(dumpPath)) if (entry.kind === 'message') messages.push(entry.locator);
    const blobs = new FileBlobStore(dir);
    const found = new Map<string, Buffer>();
    for await (const entry of readLocated(blobs, 'dump.zip', await locateUnits({ blobs, key: 'dump.zip', name: 'dump.zip' }, messages))) {
      found.set(locatorKey(entry.locator), entry.bytes);
    }
    expect([...found.keys()].sort()).toEqual(messages.map(locatorKey).sort());
    expect([...found.values()].map((bytes) => bytes.toString('latin1').match(/Subject: Message (\d)/)![1]).sort()).toEqual(['1', '2', '3', '4', '5', '6']);
  });
});
