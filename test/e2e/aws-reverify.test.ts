/**
 * Re-verification in AWS, end to end on the local emulators (s3rver, fauxqs, dynalite; see aws-pipeline.test.ts):
 * dumps go through the splitter and the workers with a key missing from the archive; the key is imported; the
 * scheduled Lambda gets an EventBridge Scheduled Event, selects the affected messages and queues them; what it
 * queued is inspected on the queue itself; the worker handler drains it and the verdicts in DynamoDB change,
 * with their history and the dump's counts. Handlers are called in-process, as Lambda would call them.
 */
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsAdapters } from '../../shared/adapters/aws/aws-adapters.ts';
import { DynamoKeyArchive } from '../../shared/adapters/aws/dynamo-key-archive.ts';
import { DynamoVerdictStore } from '../../shared/adapters/aws/dynamo-verdict-store.ts';
import { UPLOADS_PREFIX } from '../../shared/adapters/aws/settings.ts';
import { signMessage } from '../../shared/dkim/sign.ts';
import { parseJob } from '../../shared/fanout/parse-job.ts';
import type { WorkJob } from '../../shared/fanout/work-units.ts';
import { importKeyFile } from '../../shared/keys/key-import.ts';
import type { ArchivedKey } from '../../shared/ports/key-archive.ts';
import type { DumpSummary, EntryRecord, MessageRecord } from '../../shared/ports/verdict-store.ts';
import { RULES_VERSION } from '../../shared/verdict/contract.ts';
import type { ScheduledRun } from '../../functions/reverify.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators, QUIET_HANDLERS } from '../helpers/aws-emulators.ts';
import { buildZip, mboxRecord } from '../helpers/dump-files.ts';
import { drainQueue } from '../helpers/event-source-mapping.ts';
import { rsaKey, type TestKey } from '../helpers/keys.ts';
import { lambdaContext, s3ObjectCreatedEventFor, scheduledEvent } from '../helpers/lambda-events.ts';
import { buildMessage, tamper } from '../helpers/messages.ts';
import { filePart, multipartMessage, textPart } from '../helpers/mime-messages.ts';

const work = mkdtempSync(join(tmpdir(), 'leakproof-aws-reverify-'));
const keys = { campaign: rsaKey(1024), press: rsaKey(1024), mail: rsaKey(1024), clerk: rsaKey(1024) } satisfies Record<string, TestKey>;
type Signer = keyof typeof keys;
const archived = (by: Signer, extra: Partial<ArchivedKey> = {}): ArchivedKey => ({
  domain: `${by}.example`,
  selector: 'sel',
  value: keys[by].record,
  firstSeenAt: '2016-01-01T00:00:00.000Z',
  lastSeenAt: null,
  source: 'test-archive',
  ...extra,
});

let emulators: AwsEmulators;
let resources: Awaited<ReturnType<typeof createLeakproofResources>>;
let store: DynamoVerdictStore;
let archive: DynamoKeyArchive;
let split: (event: import('aws-lambda').S3Event | import('aws-lambda').SQSEvent, context: Context) => Promise<void>;
let verify: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let recordDeadLetters: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let reverify: (event: ScheduledEvent, context: Context) => Promise<ScheduledRun>;

beforeAll(async () => {
  emulators = await startAwsEmulators();
  resources = await createLeakproofResources(emulators);
  Object.assign(process.env, resources.env, QUIET_HANDLERS);
  ({ handler: split } = await import('../../functions/split.ts'));
  ({ handler: verify } = await import('../../functions/verify.ts'));
  ({ handler: recordDeadLetters } = await import('../../functions/dead-letter.ts'));
  ({ handler: reverify } = await import('../../functions/reverify.ts'));
  const db = DynamoDBDocumentClient.from(emulators.dynamodb);
  store = new DynamoVerdictStore(db, { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable });
  archive = new DynamoKeyArchive(db, resources.keysTable);
  // press.example's key was in the archive all along; campaign's and mail's were rotated out before the leak.
  await archive.record(archived('press'));
});
afterAll(async () => {
  await emulators?.stop();
  rmSync(work, { recursive: true, force: true });
});

function signed(by: Signer, n: number): Buffer {
  const message = buildMessage({ messageId: `<${by}-${n}@${by}.example>`, from: `Someone <someone${n}@${by}.example>`, subject: `Message ${n}` });
  return signMessage(message, { domain: `${by}.example`, selector: 'sel', privateKey: keys[by].privateKey });
}

/** Uploads a dump, splits it (the S3 event) and drains the workers: the AWS ingest. */
async function ingested(name: string, bytes: Buffer): Promise<string> {
  const key = `${UPLOADS_PREFIX}${name}`;
  await emulators.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: key, Body: bytes }));
  await split(await s3ObjectCreatedEventFor(emulators.s3, resources.bucket, key), lambdaContext({ functionName: 'split' }));
  expect((await drainWork()).failures).toBe(0);
  const dump = (await store.listDumps()).find((candidate) => candidate.name === name)!;
  await expectComplete(dump.id);
  return dump.id;
}

/** The split queue, where the splitter's function settles a dump's documents before it completes. */
function drainSplits() {
  return drainQueue({ sqs: emulators.sqs, queueUrl: resources.splitQueueUrl, queueArn: resources.splitQueueArn, handler: split, batchSize: 1, context: () => lambdaContext({ functionName: 'split' }) });
}

function drainWork(handler = verify) {
  return drainQueue({ sqs: emulators.sqs, queueUrl: resources.workQueueUrl, queueArn: resources.workQueueArn, handler, context: () => lambdaContext({ functionName: 'verify' }) });
}

/** The scheduled Lambda, invoked as EventBridge invokes it. */
function scheduledRun(): Promise<ScheduledRun> {
  return reverify(scheduledEvent({ rule: 'leakproof-reverify' }), lambdaContext({ functionName: 'reverify' }));
}

/** Every job on the work queue, received and made visible again for the workers. */
async function queuedJobs(): Promise<WorkJob[]> {
  const received: Message[] = [];
  for (;;) {
    const { Messages = [] } = await emulators.sqs.send(new ReceiveMessageCommand({ QueueUrl: resources.workQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) break;
    received.push(...Messages);
  }
  for (let i = 0; i < received.length; i += 10) {
    const entries = received.slice(i, i + 10).map((message, j) => ({ Id: `m${j}`, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
    await emulators.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: resources.workQueueUrl, Entries: entries }));
  }
  return received.map((message) => parseJob(message.Body!));
}

/** The locators the jobs want, per dump, sorted. */
function wanted(jobs: WorkJob[]): Record<string, string[]> {
  const byDump: Record<string, string[]> = {};
  for (const job of jobs) (byDump[job.dumpId] ??= []).push(...Object.keys(job.reverify!.causes));
  for (const locators of Object.values(byDump)) locators.sort();
  return byDump;
}

/** Every stored entry of a dump, by locator key. */
async function entries(dumpId: string): Promise<Map<string, EntryRecord>> {
  const found = new Map<string, EntryRecord>();
  const page = await store.listMessages(dumpId, { limit: 500 });
  for (const listed of page!.messages) found.set(listed.locator, (await store.getEntry(dumpId, listed.locator))!);
  return found;
}

function locatorsWhere(stored: Map<string, EntryRecord>, holds: (record: MessageRecord) => boolean): string[] {
  return [...stored].filter(([, record]) => record.kind === 'message' && holds(record)).map(([locator]) => locator).sort();
}

async function expectComplete(dumpId: string) {
  const counts = await store.counts(dumpId);
  expect(counts?.status).toBe('complete');
  expect(counts!.messages + counts!.documents + counts!.skipped + counts!.errors).toBe(counts!.located);
}

const verdictsOf = (summary: DumpSummary | null) => ({ byVerdict: summary!.byVerdict, byReason: summary!.byReason, months: summary!.months });

describe('re-verification in AWS, on local emulators', () => {
  let zipId: string;

  it('a zip with a nested zip: a key imported later, the scheduled run queues exactly the messages waiting for it, the workers verify them', async () => {
    const inner = await buildZip([{ name: 'deep/c3.eml', data: signed('campaign', 3) }, { name: 'deep/p3.eml', data: signed('press', 3) }]);
    zipId = await ingested(
      'leak.zip',
      await buildZip([
        { name: 'inbox/c1.eml', data: signed('campaign', 1) },
        { name: 'inbox/c2.eml', data: signed('campaign', 2), compress: false },
        { name: 'inbox/p1.eml', data: signed('press', 1) },
        { name: 'inbox/p2-altered.eml', data: tamper(signed('press', 2), 'The notes are attached.', 'The notes are NOT attached.') },
        { name: 'inbox/unsigned.eml', data: buildMessage({ messageId: '<u@nowhere.example>' }) },
        { name: 'archive/old.zip', data: inner },
      ]),
    );
    const before = await entries(zipId);
    const waiting = locatorsWhere(before, (record) => record.reasons.includes('key-unavailable'));
    expect(waiting).toEqual(['archive/old.zip!/deep/c3.eml', 'inbox/c1.eml', 'inbox/c2.eml']);
    expect(locatorsWhere(before, (record) => record.verdict === 'verified')).toEqual(['archive/old.zip!/deep/p3.eml', 'inbox/p1.eml']);
    expect(locatorsWhere(before, (record) => record.verdict === 'failed')).toEqual(['inbox/p2-altered.eml']);
    const summaryBefore = await store.summary(zipId);
    expect(verdictsOf(summaryBefore)).toMatchObject({ byVerdict: { verified: 2, failed: 1, unverified: 4 }, months: [{ month: '2017-05', byVerdict: { verified: 2, failed: 1, unverified: 4 } }] });

    // Nothing is affected yet: a run queues nothing.
    expect(await scheduledRun()).toMatchObject({ keys: null, selected: 0, jobs: 0 });
    expect(await queuedJobs()).toEqual([]);

    const keysFile = join(work, 'campaign-keys.jsonl');
    writeFileSync(keysFile, JSON.stringify(archived('campaign', { lastSeenAt: '2018-01-01T00:00:00.000Z' })) + '\n');
    expect((await importKeyFile(keysFile, archive)).errors).toEqual([]);

    const run = await scheduledRun();
    expect(run).toMatchObject({ selected: 3, queued: 3, dumps: 1, jobs: 1, skippedDumps: 0 });
    const jobs = await queuedJobs();
    expect(wanted(jobs)).toEqual({ [zipId]: waiting });
    const [job] = jobs;
    expect(job!.reverify!.runId).toBe(run.runId);
    expect(Object.values(job!.reverify!.causes)).toEqual(['new-key', 'new-key', 'new-key']);
    // The nested zip's message is read through its top-level member, not a staged copy.
    expect(job!.units.map((unit) => (unit.kind === 'zip-member' ? unit.member.name : unit.kind)).sort()).toEqual(['archive/old.zip', 'inbox/c1.eml', 'inbox/c2.eml']);

    // Each job delivered twice at once (SQS delivers at least once): its replacements are counted once.
    const twice = async (event: SQSEvent, context: Context) => (await Promise.all([verify(event, context), verify(event, lambdaContext())]))[0];
    expect(await drainWork(twice)).toMatchObject({ failures: 0, deliveries: 1 });

    const after = await entries(zipId);
    for (const locator of waiting) {
      const record = after.get(locator) as MessageRecord;
      expect(record).toMatchObject({ verdict: 'verified', reasons: [], rulesVersion: RULES_VERSION, verifiedAt: (before.get(locator) as MessageRecord).verifiedAt });
      expect(record.signatures[0]!.key).toMatchObject({ record: keys.campaign.record, source: 'archive' });
      expect(record.history).toEqual([
        { verdict: 'unverified', reasons: ['key-unavailable'], rulesVersion: RULES_VERSION, verifiedAt: (before.get(locator) as MessageRecord).verifiedAt, replacedAt: expect.any(String), cause: 'new-key' },
      ]);
    }
    for (const locator of [...before.keys()].filter((locator) => !waiting.includes(locator))) expect(after.get(locator)).toEqual(before.get(locator));

    const summaryAfter = await store.summary(zipId);
    expect(verdictsOf(summaryAfter)).toMatchObject({ byVerdict: { verified: 5, failed: 1, unverified: 1 }, months: [{ month: '2017-05', byVerdict: { verified: 5, failed: 1, unverified: 1 } }] });
    expect(summaryAfter!.byReason['key-unavailable']).toBeUndefined();
    expect(summaryAfter!.byReason).toMatchObject({ 'no-signature': 1, 'body-hash-mismatch': 1 });
    expect(summaryAfter!.dump).toMatchObject({ status: 'complete', messages: 7, processed: 7, located: 7 });
    await expectComplete(zipId);

    expect(await scheduledRun()).toMatchObject({ selected: 0, jobs: 0 });
    expect(await queuedJobs()).toEqual([]);
  });

  it('an mbox: units are the stored messages` byte ranges; a key import through the API`s port queues them', async () => {
    const messages = [signed('mail', 1), signed('press', 4), signed('campaign', 4), signed('mail', 2)];
    const mboxId = await ingested('box.mbox', Buffer.concat(messages.map((message) => mboxRecord(message, '\r\n'))));
    const before = await entries(mboxId);
    const waiting = locatorsWhere(before, (record) => record.reasons.includes('key-unavailable'));
    expect(waiting).toHaveLength(2);

    await archive.record(archived('mail'));
    const impact = await awsAdapters().reverifier.keysImported([{ domain: 'mail.example', selector: 'sel' }]);
    expect(impact).toEqual({ affected: 2, dumps: [mboxId], queued: true });
    const jobs = await queuedJobs();
    expect(wanted(jobs)).toEqual({ [mboxId]: waiting });
    const units = jobs.flatMap((job) => job.units);
    expect(units.every((unit) => unit.kind === 'mbox-range')).toBe(true);
    for (const unit of units) {
      const stored = before.get(`box.mbox#${(unit as { offset: number }).offset}`)!;
      expect(unit).toEqual({ kind: 'mbox-range', path: 'box.mbox', offset: stored.locator.offset, length: stored.locator.length });
    }

    expect((await drainWork()).failures).toBe(0);
    const after = await entries(mboxId);
    for (const locator of waiting) expect(after.get(locator)).toMatchObject({ verdict: 'verified', history: [{ verdict: 'unverified', cause: 'new-key' }] });
    expect((await store.summary(mboxId))!.byVerdict).toEqual({ verified: 4 });
    await expectComplete(mboxId);
    expect(await scheduledRun()).toMatchObject({ selected: 0 });
    expect(await awsAdapters().reverifier.reverifyDump(mboxId)).toEqual({ dumpId: mboxId, status: 'queued', selected: 0, changed: null });
  });

  it('a key marked compromised: the next run turns what it verified into partially-verified/key-compromised', async () => {
    const before = await entries(zipId);
    const checkedWithIt = locatorsWhere(before, (record) => record.signatures.some((signature) => signature.key?.record === keys.press.record));
    expect(checkedWithIt).toEqual(['archive/old.zip!/deep/p3.eml', 'inbox/p1.eml', 'inbox/p2-altered.eml']);

    const keysFile = join(work, 'press-compromised.jsonl');
    writeFileSync(keysFile, JSON.stringify(archived('press', { compromisedAt: '2020-01-01T00:00:00.000Z' })) + '\n');
    expect((await importKeyFile(keysFile, archive)).errors).toEqual([]);

    const run = await scheduledRun();
    // Every message checked with the key, in both dumps; the failed one too (its evidence names the key).
    expect(run).toMatchObject({ selected: 4, queued: 4, dumps: 2 });
    const jobs = await queuedJobs();
    expect(wanted(jobs)[zipId]).toEqual(checkedWithIt);
    expect(jobs.flatMap((job) => Object.values(job.reverify!.causes))).toEqual(['key-compromised', 'key-compromised', 'key-compromised', 'key-compromised']);

    expect((await drainWork()).failures).toBe(0);
    const after = await entries(zipId);
    for (const locator of ['archive/old.zip!/deep/p3.eml', 'inbox/p1.eml']) {
      expect(after.get(locator)).toMatchObject({ verdict: 'partially-verified', reasons: ['key-compromised'], history: [{ verdict: 'verified', reasons: [], cause: 'key-compromised' }] });
      expect((after.get(locator) as MessageRecord).signatures[0]!.key!.compromisedAt).toBe('2020-01-01T00:00:00.000Z');
    }
    expect(after.get('inbox/p2-altered.eml')).toMatchObject({ verdict: 'failed', history: [] });
    const summary = await store.summary(zipId);
    expect(verdictsOf(summary)).toMatchObject({ byVerdict: { verified: 3, 'partially-verified': 2, failed: 1, unverified: 1 }, byReason: { 'key-compromised': 2 } });
    await expectComplete(zipId);
    expect(await scheduledRun()).toMatchObject({ selected: 0 });
  });

  it('a re-verification job that kept failing is dropped by the dead-letter recorder: its messages keep their verdicts', async () => {
    const before = await entries(zipId);
    const summary = await store.summary(zipId);
    const dead: WorkJob = {
      dumpId: zipId,
      key: `${UPLOADS_PREFIX}leak.zip`,
      // A number the split never gave: no split job of that name was counted, so nothing but its kind saves it.
      jobId: 7777,
      units: [{ kind: 'zip-member', member: { name: 'inbox/c1.eml', flags: 0, method: 8, crc32: 0, compressedSize: 10, uncompressedSize: 10 }, headerOffset: 0 }],
      reverify: { runId: 'gone', causes: { 'inbox/c1.eml': 'new-key' } },
    };
    await emulators.sqs.send(new SendMessageCommand({ QueueUrl: resources.deadLetterQueueUrl, MessageBody: JSON.stringify(dead) }));
    const drained = await drainQueue({ sqs: emulators.sqs, queueUrl: resources.deadLetterQueueUrl, queueArn: resources.deadLetterQueueArn, handler: recordDeadLetters });
    expect(drained).toMatchObject({ deliveries: 1, failures: 0 });
    expect(await entries(zipId)).toEqual(before);
    expect(await store.summary(zipId)).toEqual(summary);
  });

  it('a document proven by a message whose key is then marked compromised: the worker settles it again, once', async () => {
    const contract = Buffer.from('%PDF-1.4 the contract as signed');
    await archive.record(archived('clerk'));
    const message = multipartMessage(
      { subtype: 'mixed', boundary: 'b', parts: [textPart('the contract'), filePart(contract, { type: 'application/pdf', name: 'contract.pdf' })] },
      { from: 'Clerk <clerk@clerk.example>', messageId: '<contract@clerk.example>' },
    );
    const key = `${UPLOADS_PREFIX}contract.zip`;
    await emulators.s3.send(new PutObjectCommand({
      Bucket: resources.bucket,
      Key: key,
      Body: await buildZip([
        { name: 'inbox/contract.eml', data: signMessage(message, { domain: 'clerk.example', selector: 'sel', privateKey: keys.clerk.privateKey }) },
        { name: 'docs/contract.pdf', data: contract },
      ]),
    }));
    await split(await s3ObjectCreatedEventFor(emulators.s3, resources.bucket, key), lambdaContext({ functionName: 'split' }));
    expect((await drainWork()).failures).toBe(0);
    expect((await drainSplits()).failures).toBe(0);
    const dumpId = (await store.listDumps()).find((candidate) => candidate.name === 'contract.zip')!.id;
    await expectComplete(dumpId);
    const provenance = async () => ({
      listed: (await store.listDocuments(dumpId, { limit: 10 }))!.documents.map((document) => [document.locator, document.provenance]),
      counts: (await store.summary(dumpId))!.byProvenance,
    });
    expect(await provenance()).toEqual({ listed: [['docs/contract.pdf', 'proven']], counts: { proven: 1 } });

    const keysFile = join(work, 'clerk-compromised.jsonl');
    writeFileSync(keysFile, JSON.stringify(archived('clerk', { compromisedAt: '2020-01-01T00:00:00.000Z' })) + '\n');
    expect((await importKeyFile(keysFile, archive)).errors).toEqual([]);
    expect(await scheduledRun()).toMatchObject({ selected: 1, queued: 1 });
    const [job] = await queuedJobs();
    expect((await drainWork()).failures).toBe(0);
    expect(await store.getEntry(dumpId, 'inbox/contract.eml')).toMatchObject({ verdict: 'partially-verified', reasons: ['key-compromised'] });
    expect(await provenance()).toEqual({ listed: [['docs/contract.pdf', 'partially-proven']], counts: { 'partially-proven': 1 } });
    expect(await store.getEntry(dumpId, 'docs/contract.pdf')).toMatchObject({ provenance: { provenance: 'partially-proven', reasons: ['key-compromised'] } });

    // The same job delivered again: nothing moves, nothing is counted twice.
    await emulators.sqs.send(new SendMessageCommand({ QueueUrl: resources.workQueueUrl, MessageBody: JSON.stringify(job) }));
    expect((await drainWork()).failures).toBe(0);
    expect(await provenance()).toEqual({ listed: [['docs/contract.pdf', 'partially-proven']], counts: { 'partially-proven': 1 } });
  });
});
