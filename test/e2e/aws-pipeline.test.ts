/**
 * The AWS pipeline end to end on local emulators that speak the AWS wire protocols (S3: s3rver, SQS: fauxqs,
 * DynamoDB: dynalite; see test/helpers/aws-emulators.ts): a dump is put into S3, the splitter handler gets the
 * S3 event, the queue is drained through the worker handler as Lambda's event source mapping would, dead jobs go
 * through the dead-letter recorder, and what lands in DynamoDB is compared with `leakproof ingest` on the same
 * dump. The one thing not emulated is the Lambda runtime itself (handlers are called in-process).
 */
import { CopyObjectCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand as ReceiveSqsMessage } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { SQSBatchResponse, SQSEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoKeyArchive } from '../../shared/adapters/aws/dynamo-key-archive.ts';
import { DynamoVerdictStore } from '../../shared/adapters/aws/dynamo-verdict-store.ts';
import { importKeyFile } from '../../shared/keys/key-import.ts';
import { UPLOADS_PREFIX } from '../../shared/adapters/aws/settings.ts';
import { generateDump, type GenerateResult } from '../../tools/generator/generate-dump.ts';
import { MESSAGE_SORT_FIELDS, type DocumentRecord, type DumpSummary, type ExportRecord, type MessageQuery, type VerdictStore } from '../../shared/ports/verdict-store.ts';
import { openLocalHome } from '../../shared/adapters/local/local-home.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators, QUIET_HANDLERS } from '../helpers/aws-emulators.ts';
import { buildZip, mboxRecord } from '../helpers/dump-files.ts';
import { drainQueue } from '../helpers/event-source-mapping.ts';
import { lambdaContext, s3ObjectCreatedEventFor } from '../helpers/lambda-events.ts';
import { buildMessage } from '../helpers/messages.ts';

const BIN = resolve('bin/leakproof.js');
const work = mkdtempSync(join(tmpdir(), 'leakproof-aws-e2e-'));
const MAX_RECEIVE_COUNT = 3;

let emulators: AwsEmulators;
let resources: Awaited<ReturnType<typeof createLeakproofResources>>;
let store: DynamoVerdictStore;
let split: (event: import('aws-lambda').S3Event | SQSEvent, context: Context) => Promise<void>;
let verify: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let recordDeadLetters: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
const dumps: Record<'zip' | 'mbox' | 'chained', GenerateResult> = {} as never;

beforeAll(async () => {
  emulators = await startAwsEmulators();
  resources = await createLeakproofResources(emulators, { maxReceiveCount: MAX_RECEIVE_COUNT });
  // The handlers wire their adapters from the environment, as in Lambda.
  Object.assign(process.env, resources.env, QUIET_HANDLERS);
  ({ handler: split } = await import('../../functions/split.ts'));
  ({ handler: verify } = await import('../../functions/verify.ts'));
  ({ handler: recordDeadLetters } = await import('../../functions/dead-letter.ts'));
  store = new DynamoVerdictStore(DynamoDBDocumentClient.from(emulators.dynamodb), { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable });
  for (const format of ['zip', 'mbox'] as const) {
    dumps[format] = await generateDump({ outDir: join(work, format), format, messages: 450, attachmentMinBytes: 2000, attachmentMaxBytes: 30_000, seed: `aws-${format}` });
  }
  dumps.chained = await generateDump({ outDir: join(work, 'chained'), format: 'zip', name: 'chained', messages: 300, attachmentMaxBytes: 20_000, seed: 'aws-chained' });
});
afterAll(async () => {
  await emulators?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** `leakproof ingest` on the same dump: its summary, exported records and documents. */
async function localPipeline(dump: GenerateResult): Promise<{ summary: DumpSummary; records: ExportRecord[]; documents: ComparableDocument[]; sorted: Record<string, string[]> }> {
  const home = join(work, `home-${basename(dump.dumpPath)}`);
  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args, '--home', home], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout;
  };
  const { summary } = JSON.parse(run('ingest', dump.dumpPath, '--keys', dump.keysPath, '--offline', '--json')) as { summary: DumpSummary };
  const records = run('export', '--format', 'jsonl').trim().split('\n').map((line) => JSON.parse(line) as ExportRecord);
  const local = openLocalHome(home);
  try {
    return { summary, records, documents: await documentsOf(local.store, summary.dump.id), sorted: await sortedListings(local.store, summary.dump.id) };
  } finally {
    local.close();
  }
}

type ComparableDocument = Omit<DocumentRecord, 'provenance'> & { provenance: string | null; carriers: string[] };

/**
 * A dump's documents as stored, with their provenance and the carriers in the dump itself that decided it (the
 * AWS store holds the other tests' dumps too, and dump ids differ: a hash of the object there, of the bytes here).
 */
async function documentsOf(from: VerdictStore, dumpId: string): Promise<ComparableDocument[]> {
  const documents: ComparableDocument[] = [];
  for await (const locator of from.documentLocators(dumpId)) {
    const { provenance, ...record } = (await from.getEntry(dumpId, locator)) as DocumentRecord;
    const carriers = (provenance?.carriers ?? []).filter((place) => place.dumpId === dumpId).map((place) => `${place.locator} ${place.mimePath}`);
    documents.push({ ...record, provenance: provenance?.provenance ?? null, carriers });
  }
  return documents;
}

/** Sorted listings (every sort, both ways, and one under a filter), walked page by page: their locators in order. */
async function sortedListings(from: VerdictStore, dumpId: string): Promise<Record<string, string[]>> {
  const queries: Omit<MessageQuery, 'limit' | 'cursor'>[] = MESSAGE_SORT_FIELDS.flatMap((by) => [false, true].map((descending) => ({ sort: { by, descending } })));
  queries.push({ sort: { by: 'subject', descending: true }, verdict: 'failed' });
  const listings: Record<string, string[]> = {};
  for (const query of queries) {
    const locators: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await from.listMessages(dumpId, { ...query, limit: 97, ...(cursor === undefined ? {} : { cursor }) }))!;
      locators.push(...page.messages.map((line) => line.locator));
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
    listings[JSON.stringify(query)] = locators;
  }
  return listings;
}

async function importKeys(keysPath: string): Promise<void> {
  const result = await importKeyFile(keysPath, new DynamoKeyArchive(DynamoDBDocumentClient.from(emulators.dynamodb), resources.keysTable));
  expect(result.errors).toEqual([]);
}

async function upload(name: string, bytes: Buffer, context = lambdaContext({ functionName: 'split' })): Promise<{ key: string; dumpId: () => Promise<string> }> {
  const key = `${UPLOADS_PREFIX}${name}`;
  await emulators.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: key, Body: bytes }));
  await split(await s3ObjectCreatedEventFor(emulators.s3, resources.bucket, key), context);
  const dumpId = async () => (await store.listDumps()).find((dump) => dump.name === name)!.id;
  return { key, dumpId };
}

function drainWork(handler = verify) {
  return drainQueue({ sqs: emulators.sqs, queueUrl: resources.workQueueUrl, queueArn: resources.workQueueArn, handler, context: () => lambdaContext({ functionName: 'verify' }) });
}

/** The split queue: a split's continuations, and the legs that settle a dump's documents once its entries are in. */
function drainSplitQueue(context = () => lambdaContext({ functionName: 'split' })) {
  return drainQueue({ sqs: emulators.sqs, queueUrl: resources.splitQueueUrl, queueArn: resources.splitQueueArn, handler: split, batchSize: 1, context });
}

function drainDeadLetters() {
  return drainQueue({ sqs: emulators.sqs, queueUrl: resources.deadLetterQueueUrl, queueArn: resources.deadLetterQueueArn, handler: recordDeadLetters, context: () => lambdaContext({ functionName: 'dead-letter' }) });
}

async function exported(dumpId: string): Promise<ExportRecord[]> {
  const records: ExportRecord[] = [];
  for await (const record of store.exportRecords(dumpId)) records.push(record);
  return records;
}

/** Records compared across the two pipelines: the dump id (a hash of different things) and the clock differ. */
function comparable(records: ExportRecord[]) {
  return records.map(({ dump: _dump, verifiedAt: _at, ...rest }) => rest);
}

async function expectCountsAddUp(dumpId: string) {
  const counts = await store.counts(dumpId);
  expect(counts?.status).toBe('complete');
  expect(counts!.messages + counts!.documents + counts!.skipped + counts!.errors).toBe(counts!.located);
  return counts!;
}

describe('the AWS pipeline on local emulators', () => {
  it('a zip dump: split by its central directory, verified by the workers, the same verdicts as leakproof ingest; a failed delivery is retried', async () => {
    const dump = dumps.zip;
    await importKeys(dump.keysPath);
    const local = await localPipeline(dump);
    const { key, dumpId } = await upload(basename(dump.dumpPath), readFileSync(dump.dumpPath));
    const id = await dumpId();
    expect((await store.counts(id))?.status).toBe('processing');

    // The dump object is briefly unreadable (moved away): the first delivery fails and comes back.
    const aside = `${key}.aside`;
    await emulators.s3.send(new CopyObjectCommand({ Bucket: resources.bucket, Key: aside, CopySource: `${resources.bucket}/${key}` }));
    await emulators.s3.send(new DeleteObjectCommand({ Bucket: resources.bucket, Key: key }));
    let calls = 0;
    const flaky = async (event: SQSEvent, context: Context) => {
      if (calls++ === 1) await emulators.s3.send(new CopyObjectCommand({ Bucket: resources.bucket, Key: key, CopySource: `${resources.bucket}/${aside}` }));
      return verify(event, context);
    };
    const drained = await drainWork(flaky);
    expect(drained.failures).toBeGreaterThan(0);
    expect(drained.deliveries).toBe(drained.succeeded.length + drained.failures);
    // Every entry in, the dump waits for its documents' provenance: the last job queued the settle.
    expect((await store.counts(id))?.status).toBe('processing');
    const settled = await drainSplitQueue();
    expect(settled.failures).toBe(0);
    expect(settled.invocations).toBeGreaterThanOrEqual(2); // its documents, then other dumps' documents

    expect(comparable(await exported(id))).toEqual(comparable(local.records));
    // The workers wrote every message's sort keys: each sorted listing is the local store's, line for line.
    expect(Object.values(local.sorted).every((locators) => locators.length > 0)).toBe(true);
    expect(await sortedListings(store, id)).toEqual(local.sorted);
    const summary = (await store.summary(id))!;
    expect({ ...summary, dump: undefined }).toEqual({ ...local.summary, dump: undefined });
    const counts = await expectCountsAddUp(id);
    expect(counts.located).toBe(local.summary.messages + local.summary.documents + local.summary.skipped + local.summary.errors);
    // The same documents, described and decided alike: some proven by the signed mail that carried them.
    expect(local.documents.length).toBeGreaterThan(0);
    expect(await documentsOf(store, id)).toEqual(local.documents);
    expect(local.summary.byProvenance.proven).toBeGreaterThan(0);
    expect(local.summary.byProvenance['altered-copy']).toBeGreaterThan(0);
    // Attachments travel whole in the message records.
    const withAttachments = local.records.find((record) => record.verdict === 'verified' && (record as unknown as { attachments?: unknown[] }).attachments?.length);
    if (withAttachments) expect(await store.getEntry(id, withAttachments.locator)).toMatchObject({ attachments: expect.arrayContaining([expect.objectContaining({ sha256: expect.any(String) })]) });
  });

  it('an mbox dump and a poisoned one drained together: partial batch failures, the dead job recorded as errors, both complete', async () => {
    const dump = dumps.mbox;
    await importKeys(dump.keysPath);
    const local = await localPipeline(dump);
    const mbox = await upload(basename(dump.dumpPath), readFileSync(dump.dumpPath));

    // A zip holding an mbox: its messages are staged as objects, and one staged object disappears for good.
    const nested = Buffer.concat([mboxRecord(buildMessage({ messageId: '<n1@example.test>' })), mboxRecord(buildMessage({ messageId: '<n2@example.test>' }))]);
    const poisoned = await upload('poisoned.zip', await buildZip([{ name: 'box.mbox', data: nested }, { name: 'a.eml', data: buildMessage() }, { name: 'scan.png', data: Buffer.from('89504e470d0a1a0a', 'hex') }]));
    const poisonedId = await poisoned.dumpId();
    await emulators.s3.send(new DeleteObjectCommand({ Bucket: resources.bucket, Key: `staging/${poisonedId}/0` }));

    const drained = await drainWork();
    expect(drained.failures).toBe(MAX_RECEIVE_COUNT);
    // The poisoned job failed alone: the mbox jobs sharing its invocations succeeded.
    expect(drained.events.some((event) => event.Records.length > 1)).toBe(true);
    const dead = await drainDeadLetters();
    expect(dead.deliveries).toBe(1);
    expect((await drainSplitQueue()).failures).toBe(0);

    const mboxId = await mbox.dumpId();
    expect(comparable(await exported(mboxId))).toEqual(comparable(local.records));
    expect(await expectCountsAddUp(mboxId)).toMatchObject({ messages: local.summary.messages, errors: local.summary.errors });

    const poisonedCounts = await expectCountsAddUp(poisonedId);
    // Every unit of the dead job is an error, the image too: only a worker could have told it is not a message.
    expect(poisonedCounts).toMatchObject({ located: 4, messages: 0, errors: 4, skipped: 0 });
    const errors = await exported(poisonedId);
    expect(errors.map((record) => [record.locator, record.verdict])).toEqual([
      ['a.eml', 'error'],
      ['box.mbox#0', 'error'],
      [expect.stringMatching(/^box\.mbox#\d+$/), 'error'],
      ['scan.png', 'error'],
    ]);
    expect(errors[0]?.detail).toMatch(/^not verified: its job kept failing and was set aside/);
  });

  it('a split that runs short of time continues in further invocations through the split queue', async () => {
    const dump = dumps.chained;
    await importKeys(dump.keysPath);
    const local = await localPipeline(dump);
    // Every 40th look at the clock finds the invocation nearly out of time.
    let looks = 0;
    const runningOut = () => lambdaContext({ functionName: 'split', remainingTimeInMillis: () => (++looks % 40 === 0 ? 30_000 : 600_000) });
    const { dumpId } = await upload(basename(dump.dumpPath), readFileSync(dump.dumpPath), runningOut());
    const id = await dumpId();
    expect((await store.counts(id))?.status).toBe('splitting');
    const legs = await drainQueue({ sqs: emulators.sqs, queueUrl: resources.splitQueueUrl, queueArn: resources.splitQueueArn, handler: split, batchSize: 1, context: runningOut });
    expect(legs.invocations).toBeGreaterThan(3);
    expect(legs.failures).toBe(0);
    await drainWork();
    // Its documents settled in legs too, each running short of time as often.
    expect((await drainSplitQueue(runningOut)).failures).toBe(0);
    expect(comparable(await exported(id))).toEqual(comparable(local.records));
    expect((await expectCountsAddUp(id)).located).toBe(local.summary.messages + local.summary.documents + local.summary.skipped + local.summary.errors);
    expect(await documentsOf(store, id)).toEqual(local.documents);
  });

  it('a repeated S3 event or job delivery changes nothing', async () => {
    const name = basename(dumps.zip.dumpPath);
    const id = (await store.listDumps()).find((dump) => dump.name === name)!.id;
    const before = await store.counts(id);
    await split(await s3ObjectCreatedEventFor(emulators.s3, resources.bucket, `${UPLOADS_PREFIX}${name}`), lambdaContext());
    const queued = await emulators.sqs.send(new ReceiveSqsMessage({ QueueUrl: resources.workQueueUrl, MaxNumberOfMessages: 10 }));
    expect(queued.Messages ?? []).toEqual([]);
    expect(await store.counts(id)).toEqual(before);
  });
});
