/**
 * Splits that fail, on the emulators (S3: s3rver, SQS: fauxqs, DynamoDB: dynalite): every way a split can stop
 * for good ends with its dump `failed` and the reason, read back through the store and the API's schema.
 *
 * - a continuation whose dump vanished fails on every delivery; SQS (fauxqs' redrive) moves it to the split
 *   dead-letter queue, and the split failure recorder marks the dump failed;
 * - an S3 event that fails on every attempt: Lambda's retries and its on-failure destination are the one part not
 *   emulated, so the test makes the three attempts and sends the invocation record Lambda would send;
 * - a split that reaches the cap on legs is failed by the splitter itself, and sends no further continuation.
 */
import { DeleteMessageCommand, CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOADS_PREFIX, SETTING_VARIABLES } from '../../shared/adapters/aws/settings.ts';
import { DynamoVerdictStore } from '../../shared/adapters/aws/dynamo-verdict-store.ts';
import { dumpIdOf } from '../../shared/adapters/aws/s3-upload.ts';
import { DumpOverviewSchema } from '../../shared/api/schemas.ts';
import { legCapReason, MAX_SPLIT_LEGS, parseSplitLeg } from '../../shared/fanout/split-leg.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators, QUIET_HANDLERS } from '../helpers/aws-emulators.ts';
import { buildZip } from '../helpers/dump-files.ts';
import { drainQueue } from '../helpers/event-source-mapping.ts';
import { asyncInvocationFailureRecord, lambdaContext, s3ObjectCreatedEventFor } from '../helpers/lambda-events.ts';
import { buildMessage } from '../helpers/messages.ts';

const MAX_RECEIVE_COUNT = 3;

let emulators: AwsEmulators;
let resources: Awaited<ReturnType<typeof createLeakproofResources>>;
let store: DynamoVerdictStore;
let split: (event: S3Event | SQSEvent, context: Context) => Promise<void>;
let verify: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let recordSplitFailures: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let recordDeadJobs: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
/** The split queue as the stack makes it: with a dead-letter queue after MAX_RECEIVE_COUNT receives. */
const queues = { split: { url: '', arn: '' }, splitDeadLetters: { url: '', arn: '' }, splitFailures: { url: '', arn: '' } };

async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const { QueueUrl: url } = await emulators.sqs.send(new CreateQueueCommand({ QueueName: `${name}-${randomBytes(4).toString('hex')}`, Attributes: { MaximumMessageSize: '1048576', ...attributes } }));
  const { Attributes } = await emulators.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url!, AttributeNames: ['QueueArn'] }));
  return { url: url!, arn: Attributes!.QueueArn! };
}

beforeAll(async () => {
  emulators = await startAwsEmulators();
  resources = await createLeakproofResources(emulators, { maxReceiveCount: MAX_RECEIVE_COUNT });
  queues.splitDeadLetters = await createQueue('leakproof-split-dlq');
  queues.split = await createQueue('leakproof-split', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queues.splitDeadLetters.arn, maxReceiveCount: MAX_RECEIVE_COUNT }) });
  queues.splitFailures = await createQueue('leakproof-split-failures');
  Object.assign(process.env, resources.env, {
    [SETTING_VARIABLES.splitQueueUrl]: queues.split.url, ...QUIET_HANDLERS,
  });
  ({ handler: split } = await import('../../functions/split.ts'));
  ({ handler: verify } = await import('../../functions/verify.ts'));
  ({ handler: recordSplitFailures } = await import('../../functions/split-failure.ts'));
  ({ handler: recordDeadJobs } = await import('../../functions/dead-letter.ts'));
  store = new DynamoVerdictStore(DynamoDBDocumentClient.from(emulators.dynamodb), { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable });
});
afterAll(async () => {
  await emulators?.stop();
});

/** A zip of `count` small signed-or-not messages: each is one step of a zip-directory split. */
function messagesZip(count: number): Promise<Buffer> {
  return buildZip(Array.from({ length: count }, (_, i) => ({ name: `m${String(i).padStart(3, '0')}.eml`, data: buildMessage({ messageId: `<m${i}@example.test>` }) })));
}

/** A context whose clock says "nearly out of time" at every `every`-th look. */
function runningOutEvery(every: number) {
  let looks = 0;
  return () => lambdaContext({ functionName: 'split', remainingTimeInMillis: () => (++looks % every === 0 ? 30_000 : 600_000) });
}

async function put(name: string, bytes: Buffer): Promise<{ key: string; event: S3Event; dumpId: string }> {
  const key = `${UPLOADS_PREFIX}${name}`;
  await emulators.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: key, Body: bytes }));
  const event = await s3ObjectCreatedEventFor(emulators.s3, resources.bucket, key);
  const object = event.Records[0]!.s3.object;
  return { key, event, dumpId: dumpIdOf(resources.bucket, key, object.eTag) };
}

function drain(queue: { url: string; arn: string }, handler: (event: SQSEvent, context: Context) => Promise<unknown>, context?: () => Context) {
  return drainQueue({ sqs: emulators.sqs, queueUrl: queue.url, queueArn: queue.arn, handler: handler as never, batchSize: queue === queues.split ? 1 : 10, ...(context ? { context } : {}) });
}

/** The dump as GET /dumps/{id} shows it: the store's summary, through the API's response schema. */
async function shownByApi(dumpId: string) {
  const summary = await store.summary(dumpId);
  expect(summary).not.toBeNull();
  return DumpOverviewSchema.parse(summary!.dump);
}

describe('a split that fails for good marks its dump failed, with the reason', () => {
  it('a continuation that fails on every delivery: moved to the split dead-letter queue, recorded, the dump failed; its queued jobs still verified', async () => {
    const { event, key, dumpId } = await put('vanishing.zip', await messagesZip(60));
    const runningOut = runningOutEvery(20);
    await split(event, runningOut());
    expect((await store.counts(dumpId))?.status).toBe('splitting');
    // The dump disappears between two legs: every delivery of the continuation fails.
    await emulators.s3.send(new DeleteObjectCommand({ Bucket: resources.bucket, Key: key }));
    const legs = await drain(queues.split, split, runningOut);
    expect(legs.failures).toBe(MAX_RECEIVE_COUNT);
    expect(legs.succeeded).toEqual([]);
    expect((await store.counts(dumpId))?.status).toBe('interrupted');

    const recorded = await drain(queues.splitDeadLetters, recordSplitFailures);
    expect(recorded).toMatchObject({ deliveries: 1, failures: 0 });
    const shown = await shownByApi(dumpId);
    expect(shown).toMatchObject({ status: 'failed', located: null, finishedAt: expect.any(String) });
    expect(shown.failure).toMatch(/^split failed: its continuation \(leg 2\) failed on every delivery and was set aside on the split dead-letter queue/);
    expect((await store.listDumps()).find((dump) => dump.id === dumpId)).toMatchObject({ status: 'failed', failure: shown.failure });

    // Whatever jobs the first leg sent are still worked and counted (their members went with the dump: dead
    // jobs, recorded as errors), and the dump stays failed: it never turns complete.
    await drain({ url: resources.workQueueUrl, arn: resources.workQueueArn }, verify);
    await drain({ url: resources.deadLetterQueueUrl, arn: resources.deadLetterQueueArn }, recordDeadJobs);
    expect(await store.counts(dumpId)).toMatchObject({ status: 'failed', messages: 0 });
    // A second report of the same failure changes nothing.
    const continuation = { dumpId, key, name: 'vanishing.zip', leg: 1 };
    await emulators.sqs.send(new SendMessageCommand({ QueueUrl: queues.splitDeadLetters.url, MessageBody: JSON.stringify(continuation) }));
    await drain(queues.splitDeadLetters, recordSplitFailures);
    expect((await shownByApi(dumpId)).failure).toBe(shown.failure);
  });

  it("an S3 event that fails on all of Lambda's attempts: the invocation record opens the dump if need be and fails it with the error", async () => {
    const { key, event, dumpId } = await put('gone-before-split.eml', buildMessage());
    // Removed before the splitter could read it: every attempt fails at its first look at the object.
    await emulators.s3.send(new DeleteObjectCommand({ Bucket: resources.bucket, Key: key }));
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      lastError = await split(event, lambdaContext({ functionName: 'split' })).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(lastError).toBeInstanceOf(Error);
    }
    expect(await store.counts(dumpId)).toBeNull();
    const record = asyncInvocationFailureRecord({ requestPayload: event, functionName: 'split', error: lastError });
    await emulators.sqs.send(new SendMessageCommand({ QueueUrl: queues.splitFailures.url, MessageBody: JSON.stringify(record) }));

    expect(await drain(queues.splitFailures, recordSplitFailures)).toMatchObject({ deliveries: 1, failures: 0 });
    const shown = await shownByApi(dumpId);
    expect(shown).toMatchObject({ name: 'gone-before-split.eml', source: `s3://${resources.bucket}/${key}`, status: 'failed', messages: 0 });
    expect(shown.failure).toBe(`split failed: it failed on all 3 attempts: ${lastError!.message}`);
  });

  it('an S3 event Lambda gave up on for age, after the split had opened the dump and been interrupted', async () => {
    const { key, event, dumpId } = await put('too-old.zip', await messagesZip(40));
    await split(event, runningOutEvery(1)());
    await emulators.s3.send(new DeleteObjectCommand({ Bucket: resources.bucket, Key: key }));
    await drain(queues.split, split);
    expect((await store.counts(dumpId))?.status).toBe('interrupted');
    await drain(queues.splitDeadLetters, async () => undefined); // set aside unread: this test is about the event
    const record = asyncInvocationFailureRecord({ requestPayload: event, condition: 'EventAgeExceeded', approximateInvokeCount: 2 });
    await emulators.sqs.send(new SendMessageCommand({ QueueUrl: queues.splitFailures.url, MessageBody: JSON.stringify(record) }));
    await drain(queues.splitFailures, recordSplitFailures);
    expect(await shownByApi(dumpId)).toMatchObject({ status: 'failed', failure: 'split failed: its event grew too old to be tried again' });
  });

  it('a message the recorder cannot read is dropped, not retried forever', async () => {
    await emulators.sqs.send(new SendMessageCommand({ QueueUrl: queues.splitFailures.url, MessageBody: '{"hello":"world"}' }));
    expect(await drain(queues.splitFailures, recordSplitFailures)).toMatchObject({ deliveries: 1, failures: 0 });
  });
});

describe('the cap on legs', () => {
  it(`a split still pausing at leg ${MAX_SPLIT_LEGS} is failed by the splitter, which sends no continuation`, async () => {
    const { event, dumpId } = await put('endless.zip', await messagesZip(120));
    const runningOut = runningOutEvery(5);
    const queuedJobs = async () => {
      const { Attributes } = await emulators.sqs.send(new GetQueueAttributesCommand({ QueueUrl: resources.workQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      return Number(Attributes?.ApproximateNumberOfMessages);
    };
    const jobsBefore = await queuedJobs();
    await split(event, runningOut());
    // The continuation as the first leg left it, renumbered as if 62 more legs had run since.
    const { Messages: [sent] = [] } = await emulators.sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.split.url, MaxNumberOfMessages: 1 }));
    const leg = parseSplitLeg(sent!.Body!);
    expect(leg.leg).toBe(1);
    await emulators.sqs.send(new DeleteMessageCommand({ QueueUrl: queues.split.url, ReceiptHandle: sent!.ReceiptHandle! }));
    await emulators.sqs.send(new SendMessageCommand({ QueueUrl: queues.split.url, MessageBody: JSON.stringify({ ...leg, leg: MAX_SPLIT_LEGS - 1 }) }));

    const legs = await drain(queues.split, split, runningOut);
    // The last allowed leg ran, paused, and stopped there: nothing more was queued.
    expect(legs).toMatchObject({ invocations: 1, failures: 0 });
    expect(await shownByApi(dumpId)).toMatchObject({ status: 'failed', failure: legCapReason(MAX_SPLIT_LEGS), located: null });
    // What the legs located is queued for the workers all the same.
    expect(await queuedJobs()).toBeGreaterThan(jobsBefore);
  });

  it('a continuation already past the cap is not run', async () => {
    const { event, dumpId, key } = await put('past-cap.zip', await messagesZip(40));
    await split(event, runningOutEvery(2)());
    const { Messages: [sent] = [] } = await emulators.sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.split.url, MaxNumberOfMessages: 1 }));
    await emulators.sqs.send(new DeleteMessageCommand({ QueueUrl: queues.split.url, ReceiptHandle: sent!.ReceiptHandle! }));
    await emulators.sqs.send(new SendMessageCommand({ QueueUrl: queues.split.url, MessageBody: JSON.stringify({ ...parseSplitLeg(sent!.Body!), leg: MAX_SPLIT_LEGS }) }));
    // Were it run, it would fail: its dump is gone.
    await emulators.s3.send(new DeleteObjectCommand({ Bucket: resources.bucket, Key: key }));
    expect(await drain(queues.split, split)).toMatchObject({ invocations: 1, failures: 0 });
    expect(await shownByApi(dumpId)).toMatchObject({ status: 'failed', failure: legCapReason(MAX_SPLIT_LEGS) });
  });
});
