/**
 * The emulator harness's own smoke tests: what the AWS adapters will rely on, checked against s3rver, fauxqs and
 * dynalite as they really behave (each quirk the harness works around has a test here).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators, type LeakproofResources } from '../../helpers/aws-emulators.ts';
import { drainQueue } from '../../helpers/event-source-mapping.ts';
import { encodeS3EventKey, lambdaContext, s3ObjectCreatedEventFor, sqsEventFrom } from '../../helpers/lambda-events.ts';
import { settingsFromEnvironment } from '../../../shared/adapters/aws/settings.ts';
import { VERDICTS_TABLE } from '../../../shared/adapters/aws/table-design.ts';

let emulators: AwsEmulators;
let resources: LeakproofResources;
let documents: DynamoDBDocumentClient;
let startupMs = 0;

beforeAll(async () => {
  const started = performance.now();
  emulators = await startAwsEmulators();
  startupMs = performance.now() - started;
  console.info(`AWS emulators (s3rver, fauxqs, dynalite) started in ${Math.round(startupMs)} ms`);
  resources = await createLeakproofResources(emulators, { maxReceiveCount: 3 });
  documents = DynamoDBDocumentClient.from(emulators.dynamodb);
});

afterAll(async () => {
  await emulators?.stop();
});

describe('startAwsEmulators', () => {
  it('starts all three on loopback ports within a few seconds', () => {
    expect(startupMs).toBeLessThan(5_000);
    for (const endpoint of Object.values(emulators.endpoints)) expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set(Object.values(emulators.endpoints)).size).toBe(3);
  });

  it('gives separate, unique resources per call, and the settings the handlers read', async () => {
    const other = await createLeakproofResources(emulators);
    expect(other.bucket).not.toBe(resources.bucket);
    expect(other.workQueueUrl).not.toBe(resources.workQueueUrl);
    expect(other.verdictsTable).not.toBe(resources.verdictsTable);
    expect(settingsFromEnvironment(resources.env)).toEqual({
      bucket: resources.bucket,
      dumpsTable: resources.dumpsTable,
      verdictsTable: resources.verdictsTable,
      postingsTable: resources.postingsTable,
      keysTable: resources.keysTable,
      workQueueUrl: resources.workQueueUrl,
      splitQueueUrl: resources.splitQueueUrl,
      offline: true,
      countingLeaseMs: null,
    });
    // Queue URLs name the loopback address, not fauxqs's default sqs.<region>.localhost (which does not resolve).
    expect(resources.workQueueUrl.startsWith(`${emulators.endpoints.sqs}/`)).toBe(true);
  });

  it("lets clients built from the environment alone reach all three (the production code's default clients)", async () => {
    const own = await createLeakproofResources(emulators);
    const saved = { ...process.env };
    Object.assign(process.env, own.env);
    try {
      const s3 = new S3Client({ forcePathStyle: process.env.LEAKPROOF_S3_PATH_STYLE === 'true' });
      const sqs = new SQSClient({});
      const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
      const settings = settingsFromEnvironment();
      await s3.send(new PutObjectCommand({ Bucket: settings.bucket, Key: 'env/probe.txt', Body: 'from env' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: settings.bucket, Key: 'env/probe.txt' }));
      expect(await got.Body?.transformToString()).toBe('from env');
      await sqs.send(new SendMessageCommand({ QueueUrl: settings.workQueueUrl, MessageBody: 'from env' }));
      await dynamodb.send(new PutCommand({ TableName: settings.keysTable, Item: { selectorName: 's._domainkey.example', valueHash: 'h' } }));
      const item = await dynamodb.send(new GetCommand({ TableName: settings.keysTable, Key: { selectorName: 's._domainkey.example', valueHash: 'h' } }));
      expect(item.Item).toBeDefined();
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: settings.workQueueUrl, MaxNumberOfMessages: 10 }));
      expect(received.Messages?.map((message) => message.Body)).toEqual(['from env']);
      for (const client of [s3, sqs, dynamodb]) client.destroy();
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });
});

describe('S3 (s3rver)', () => {
  it('stores a 5 MB object and serves byte ranges of it', async () => {
    const body = randomBytes(5 * 1024 * 1024);
    await emulators.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: 'uploads/big dump.mbox', Body: body }));
    const whole = await emulators.s3.send(new GetObjectCommand({ Bucket: resources.bucket, Key: 'uploads/big dump.mbox' }));
    expect(Buffer.from(await whole.Body!.transformToByteArray()).equals(body)).toBe(true);
    const range = await emulators.s3.send(
      new GetObjectCommand({ Bucket: resources.bucket, Key: 'uploads/big dump.mbox', Range: 'bytes=3000000-3000999' }),
    );
    expect(range.ContentRange).toBe(`bytes 3000000-3000999/${body.length}`);
    expect(range.ContentLength).toBe(1000);
    expect(Buffer.from(await range.Body!.transformToByteArray()).equals(body.subarray(3_000_000, 3_001_000))).toBe(true);
    // s3rver reads both of these wrongly on its own (first N+1 bytes; the whole object): the harness mends them.
    const tail = await emulators.s3.send(new GetObjectCommand({ Bucket: resources.bucket, Key: 'uploads/big dump.mbox', Range: 'bytes=-10' }));
    expect(tail.ContentRange).toBe(`bytes ${body.length - 10}-${body.length - 1}/${body.length}`);
    expect(Buffer.from(await tail.Body!.transformToByteArray()).equals(body.subarray(body.length - 10))).toBe(true);
    const first = await emulators.s3.send(new GetObjectCommand({ Bucket: resources.bucket, Key: 'uploads/big dump.mbox', Range: 'bytes=0-0' }));
    expect(first.ContentRange).toBe(`bytes 0-0/${body.length}`);
    expect(Buffer.from(await first.Body!.transformToByteArray()).equals(body.subarray(0, 1))).toBe(true);
  });

  it('stores streamed uploads byte for byte (checksums WHEN_REQUIRED)', async () => {
    const body = randomBytes(300_000);
    const stream = Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]);
    await emulators.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: 'staging/streamed', Body: stream, ContentLength: body.length }));
    const got = await emulators.s3.send(new GetObjectCommand({ Bucket: resources.bucket, Key: 'staging/streamed' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('pages ListObjectsV2 with continuation tokens (s3rver runs with the OpenSSL legacy provider)', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `paged/${i}.eml`);
    await Promise.all(keys.map((key) => emulators.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: key, Body: key }))));
    const listed: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page: ListObjectsV2CommandOutput = await emulators.s3.send(
        new ListObjectsV2Command({ Bucket: resources.bucket, Prefix: 'paged/', MaxKeys: 3, ContinuationToken: token }),
      );
      listed.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
      token = page.NextContinuationToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(listed).toEqual(keys);
  });

  it('deletes in bulk (DeleteObjects)', async () => {
    await emulators.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: 'bulk/a', Body: 'a' }));
    await emulators.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: 'bulk/b', Body: 'b' }));
    const deleted = await emulators.s3.send(
      new DeleteObjectsCommand({ Bucket: resources.bucket, Delete: { Objects: [{ Key: 'bulk/a' }, { Key: 'bulk/b' }] } }),
    );
    expect(deleted.Errors ?? []).toEqual([]);
    const left = await emulators.s3.send(new ListObjectsV2Command({ Bucket: resources.bucket, Prefix: 'bulk/' }));
    expect(left.KeyCount ?? 0).toBe(0);
  });

  it('aborts a multipart upload (a mend: s3rver itself refuses AbortMultipartUpload)', async () => {
    const target = { Bucket: resources.bucket, Key: 'exports/aborted.jsonl' };
    const { UploadId } = await emulators.s3.send(new CreateMultipartUploadCommand(target));
    await emulators.s3.send(new UploadPartCommand({ ...target, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 'x') }));
    await emulators.s3.send(new AbortMultipartUploadCommand({ ...target, UploadId }));
    await expect(emulators.s3.send(new AbortMultipartUploadCommand({ ...target, UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(emulators.s3.send(new GetObjectCommand(target))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('builds the ObjectCreated event S3 would send for a stored object', async () => {
    const key = 'uploads/Leak (2024) a+b=c.zip';
    await emulators.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: key, Body: 'zip' }));
    const event = await s3ObjectCreatedEventFor(emulators.s3, resources.bucket, key);
    const record = event.Records[0]!;
    expect(record).toMatchObject({ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', awsRegion: 'us-east-1' });
    expect(record.s3.bucket).toMatchObject({ name: resources.bucket, arn: `arn:aws:s3:::${resources.bucket}` });
    expect(record.s3.object.key).toBe('uploads/Leak+%282024%29+a%2Bb%3Dc.zip');
    expect(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '))).toBe(key);
    expect(record.s3.object.size).toBe(3);
    expect(record.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
    expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
    expect(encodeS3EventKey('ünï/cödé')).toBe('%C3%BCn%C3%AF/c%C3%B6d%C3%A9');
  });
});

describe('SQS (fauxqs)', () => {
  it('takes a 900 KB message in a SendMessageBatch, up to the 1 MiB MaximumMessageSize, and refuses more', async () => {
    const { Attributes } = await emulators.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: resources.workQueueUrl, AttributeNames: ['MaximumMessageSize', 'RedrivePolicy'] }),
    );
    expect(Attributes?.MaximumMessageSize).toBe('1048576');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: resources.deadLetterQueueArn, maxReceiveCount: 3 });

    const other = await createLeakproofResources(emulators);
    const big = 'x'.repeat(900 * 1024);
    const sent = await emulators.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: other.workQueueUrl, Entries: [{ Id: 'big', MessageBody: big }] }),
    );
    expect(sent.Failed ?? []).toEqual([]);
    const tooBig = await emulators.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: other.workQueueUrl, Entries: [{ Id: 'huge', MessageBody: 'y'.repeat(1_048_577) }] }),
    ).then(
      (output) => output.Failed?.[0]?.Code,
      (error: Error) => error.name,
    );
    expect(tooBig).toBe('BatchRequestTooLong');
    const received = await emulators.sqs.send(new ReceiveMessageCommand({ QueueUrl: other.workQueueUrl }));
    expect(received.Messages?.[0]?.Body).toBe(big);
  });

  it('delivers records shaped as the Lambda event source mapping does', async () => {
    const other = await createLeakproofResources(emulators);
    await emulators.sqs.send(
      new SendMessageCommand({
        QueueUrl: other.workQueueUrl,
        MessageBody: '{"dumpId":"d1"}',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'entry' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    const events: SQSEvent[] = [];
    const drained = await drainQueue({
      sqs: emulators.sqs,
      queueUrl: other.workQueueUrl,
      queueArn: other.workQueueArn,
      handler: (event) => {
        events.push(event);
      },
    });
    expect(drained).toMatchObject({ invocations: 1, deliveries: 1, failures: 0 });
    const record = events[0]!.Records[0]!;
    expect(Object.keys(record).sort()).toEqual(
      [
        'attributes',
        'awsRegion',
        'body',
        'eventSource',
        'eventSourceARN',
        'md5OfBody',
        'md5OfMessageAttributes',
        'messageAttributes',
        'messageId',
        'receiptHandle',
      ].sort(),
    );
    expect(record).toMatchObject({ body: '{"dumpId":"d1"}', eventSource: 'aws:sqs', eventSourceARN: other.workQueueArn, awsRegion: 'us-east-1' });
    expect(record.attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: expect.any(String) });
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(record.attributes.SentTimestamp));
    expect(record.messageAttributes).toEqual({
      kind: { stringValue: 'entry', stringListValues: [], binaryListValues: [], dataType: 'String' },
      blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    });
  });

  it('moves a message that fails maxReceiveCount times to the dead-letter queue (fauxqs redrive)', async () => {
    const bodies = ['a', 'b', 'poison', 'c', 'd'];
    await emulators.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: resources.workQueueUrl, Entries: bodies.map((body, i) => ({ Id: `e${i}`, MessageBody: body })) }),
    );
    const receiveCounts: string[] = [];
    const drained = await drainQueue({
      sqs: emulators.sqs,
      queueUrl: resources.workQueueUrl,
      queueArn: resources.workQueueArn,
      handler: (event): SQSBatchResponse => ({
        batchItemFailures: event.Records.filter((record) => record.body === 'poison').map((record) => {
          receiveCounts.push(record.attributes.ApproximateReceiveCount);
          return { itemIdentifier: record.messageId };
        }),
      }),
    });
    expect(drained).toMatchObject({ invocations: 3, deliveries: 7, failures: 3 });
    expect(drained.succeeded).toHaveLength(4);
    expect(receiveCounts).toEqual(['1', '2', '3']);

    const dead = await emulators.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: resources.deadLetterQueueUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'] }),
    );
    expect(dead.Messages?.map((message) => message.Body)).toEqual(['poison']);
    const record = sqsEventFrom(dead.Messages!, resources.deadLetterQueueArn).Records[0]!;
    expect(record.eventSourceARN).toBe(resources.deadLetterQueueArn);
    const work = await emulators.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: resources.workQueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(work.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('redelivers a whole batch when the handler throws or names a message not in the batch', async () => {
    const other = await createLeakproofResources(emulators, { maxReceiveCount: 5 });
    await emulators.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: other.workQueueUrl, Entries: ['1', '2', '3'].map((body) => ({ Id: `m${body}`, MessageBody: body })) }),
    );
    let calls = 0;
    const drained = await drainQueue({
      sqs: emulators.sqs,
      queueUrl: other.workQueueUrl,
      queueArn: other.workQueueArn,
      context: () => lambdaContext({ functionName: 'worker', remainingTimeInMillis: 1234 }),
      handler: (_event, context): SQSBatchResponse | undefined => {
        expect(context.getRemainingTimeInMillis()).toBe(1234);
        expect(context.functionName).toBe('worker');
        calls++;
        if (calls === 1) throw new Error('boom');
        if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
        return undefined;
      },
    });
    expect(drained).toMatchObject({ invocations: 3, deliveries: 9, failures: 6 });
    expect(drained.errors).toHaveLength(1);
    expect(drained.succeeded).toHaveLength(3);
    expect(drained.events[2]!.Records.every((record) => record.attributes.ApproximateReceiveCount === '3')).toBe(true);
  });
});

describe('DynamoDB (dynalite)', () => {
  it('creates the tables of table-design.ts and answers Query on the byVerdict index, which copies only what the design names', async () => {
    const dumpId = 'dump-1';
    const verdicts = ['pass', 'fail', 'pass', 'undecided'];
    await Promise.all(
      verdicts.map((verdict, i) =>
        documents.send(
          new PutCommand({
            TableName: resources.verdictsTable,
            Item: {
              [VERDICTS_TABLE.partitionKey]: dumpId,
              locator: `entry-${i}`,
              dumpVerdict: `${dumpId}#${verdict}`,
              verdict,
              record: '{"evidence":"not copied"}',
            },
          }),
        ),
      ),
    );
    const { byVerdict } = VERDICTS_TABLE;
    const passed = await documents.send(
      new QueryCommand({
        TableName: resources.verdictsTable,
        IndexName: byVerdict.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': byVerdict.partitionKey },
        ExpressionAttributeValues: { ':pk': `${dumpId}#pass` },
      }),
    );
    expect(passed.Items?.map((item) => item.locator)).toEqual(['entry-0', 'entry-2']);
    expect(passed.Items?.[0]).toEqual({ [VERDICTS_TABLE.partitionKey]: dumpId, locator: 'entry-0', dumpVerdict: `${dumpId}#pass`, verdict: 'pass' });
  });

  it('counts once per job: ADD with NOT contains(jobs, :job) on a string set and on a number set', async () => {
    for (const [item, first, again] of [
      ['counts-ss', 'job-1', 'job-2'],
      ['counts-ns', 1, 2],
    ] as const) {
      const count = (job: string | number) =>
        documents.send(
          new UpdateCommand({
            TableName: resources.dumpsTable,
            Key: { dumpId: 'dump-1', item },
            UpdateExpression: 'ADD #pass :one, #jobs :job',
            ConditionExpression: 'NOT contains(#jobs, :jobValue)',
            ExpressionAttributeNames: { '#pass': 'pass', '#jobs': 'jobs' },
            ExpressionAttributeValues: { ':one': 1, ':job': new Set([job]), ':jobValue': job },
            ReturnValues: 'ALL_NEW',
          }),
        );
      // The item does not exist yet: contains() on a missing attribute is false, so the first update passes.
      expect((await count(first)).Attributes).toMatchObject({ pass: 1 });
      const repeated = await count(first).then(
        () => 'updated',
        (error: Error) => error.name,
      );
      expect(repeated).toBe('ConditionalCheckFailedException');
      const updated = await count(again);
      expect(updated.Attributes?.pass).toBe(2);
      expect([...(updated.Attributes?.jobs as Set<unknown>)].sort()).toEqual([first, again]);
    }
  });

  it('writes in batches of 25 (BatchWriteItem)', async () => {
    const items = Array.from({ length: 25 }, (_, i) => ({ selectorName: `s${i}._domainkey.example.org`, valueHash: `hash-${i}` }));
    const written = await documents.send(
      new BatchWriteCommand({ RequestItems: { [resources.keysTable]: items.map((Item) => ({ PutRequest: { Item } })) } }),
    );
    expect(written.UnprocessedItems ?? {}).toEqual({});
    const one = await documents.send(new GetCommand({ TableName: resources.keysTable, Key: items[24]! }));
    expect(one.Item).toEqual(items[24]);
  });

  it('has no transactions (dynalite 4.0.0): TransactWriteItems is refused', async () => {
    const refused = await emulators.dynamodb
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: resources.keysTable, Item: { selectorName: { S: 't' }, valueHash: { S: 't' } } } }],
        }),
      )
      .then(
        () => 'accepted',
        (error: Error) => error.name,
      );
    expect(refused).not.toBe('accepted');
  });
});
