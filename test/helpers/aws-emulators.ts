/**
 * Local AWS emulators for tests, started and stopped by the tests themselves (no Docker, no fixed ports, no shared
 * directories: several vitest fork processes may each run their own set at once).
 *
 * - S3: s3rver, in a child Node process started with --openssl-legacy-provider. s3rver encrypts ListObjectsV2
 *   continuation tokens with DES, which OpenSSL 3 (Node 22) only offers through the legacy provider: in-process,
 *   any paged listing fails with "error:0308010C:digital envelope routines::unsupported". Its files live in a
 *   fresh temporary directory, removed on stop.
 * - SQS: fauxqs, in process (built with buildApp and bound to 127.0.0.1 by us: its startFauxqs binds 0.0.0.0).
 * - DynamoDB: dynalite, in process, in memory (no transactions in dynalite 4.0.0).
 *
 * All three bind 127.0.0.1 on a port the OS picks.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { buildApp, type BuildAppOptions } from 'fauxqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { documentClient } from '../../shared/adapters/aws/clients.ts';
import { DUMPS_TABLE, KEYS_TABLE, POSTINGS_TABLE, VERDICTS_TABLE, indexesOf, type TableDesign } from '../../shared/adapters/aws/table-design.ts';
import { SETTING_VARIABLES } from '../../shared/adapters/aws/settings.ts';

export interface AwsEmulators {
  /** Endpoint URLs, e.g. http://127.0.0.1:45123 */
  endpoints: { s3: string; sqs: string; dynamodb: string };
  /**
   * Environment variables under which the production code's default AWS clients reach the emulators: region,
   * credentials (S3RVER/S3RVER: s3rver's own access key, the one it accepts; fauxqs and dynalite accept any), the
   * service-specific endpoint variables the SDK reads, LEAKPROOF_S3_PATH_STYLE=true, the checksum settings
   * s3rver needs (AWS_REQUEST_CHECKSUM_CALCULATION / AWS_RESPONSE_CHECKSUM_VALIDATION = WHEN_REQUIRED) and
   * AWS_EC2_METADATA_DISABLED=true (nothing may reach for the instance metadata address).
   */
  env: Record<string, string>;
  /** Clients already configured for the emulators (path-style S3, WHEN_REQUIRED checksums). */
  s3: S3Client;
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
  region: string;
  /** Destroys the clients, stops the emulators, removes s3rver's directory. Safe to call twice. */
  stop(): Promise<void>;
}

export const EMULATOR_REGION = 'us-east-1';
/**
 * s3rver's built-in account. It refuses any other access key, but never computes a SigV4 signature (it would check
 * only V2 ones): a wrong secret or a tampered signature passes, and so does a request with no signature at all.
 */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
/** fauxqs's account id, as it appears in its queue URLs and ARNs. */
export const EMULATOR_ACCOUNT_ID = '000000000000';

const require = createRequire(import.meta.url);

interface RunningService {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startAwsEmulators(): Promise<AwsEmulators> {
  const started = await Promise.allSettled([startS3rver(), startFauxqs(), startDynalite()]);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.allSettled(started.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
    throw (failure as PromiseRejectedResult).reason;
  }
  const [s3Service, sqsService, dynamodbService] = started.map((result) => (result as PromiseFulfilledResult<RunningService>).value) as [
    RunningService,
    RunningService,
    RunningService,
  ];
  const endpoints = { s3: s3Service.endpoint, sqs: sqsService.endpoint, dynamodb: dynamodbService.endpoint };
  const common = { region: EMULATOR_REGION, credentials: { ...EMULATOR_CREDENTIALS } };
  const s3 = new S3Client({
    ...common,
    endpoint: endpoints.s3,
    forcePathStyle: true,
    // With the SDK's default (WHEN_SUPPORTED), streamed uploads go out as aws-chunked bodies with a trailing
    // checksum, which s3rver stores verbatim: chunk headers and all.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const sqs = new SQSClient({ ...common, endpoint: endpoints.sqs });
  const dynamodb = new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb });
  const env: Record<string, string> = {
    AWS_REGION: EMULATOR_REGION,
    AWS_DEFAULT_REGION: EMULATOR_REGION,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    AWS_EC2_METADATA_DISABLED: 'true',
    LEAKPROOF_S3_PATH_STYLE: 'true',
  };
  let stopping: Promise<void> | undefined;
  return {
    endpoints,
    env,
    s3,
    sqs,
    dynamodb,
    region: EMULATOR_REGION,
    stop() {
      stopping ??= (async () => {
        for (const client of [s3, sqs, dynamodb]) client.destroy();
        const results = await Promise.allSettled([s3Service.stop(), sqsService.stop(), dynamodbService.stop()]);
        const failed = results.find((result) => result.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      })();
      return stopping;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// s3rver, in a child process

/**
 * The child: starts s3rver on 127.0.0.1:0, writes {"port":N} on stdout, and exits, removing its directory, as soon
 * as its stdin closes (the parent stopped it, or died: no orphan outlives a crashed test process).
 *
 * It also mends s3rver's Range handling where it departs from S3 (both checked by the smoke tests):
 * - a suffix range "bytes=-N" (the last N bytes) is read as "bytes=0-N": it is rewritten to an explicit range from
 *   the object's size before s3rver sees it;
 * - a range ending at byte 0 ("bytes=0-0") returns the whole object (s3rver reads `end || Infinity`): the store
 *   answers it with a one-byte stream.
 *
 * and adds AbortMultipartUpload (DELETE /<bucket>/<key>?uploadId=), which s3rver refuses as MethodNotAllowed:
 * the upload's parts are removed and it answers 204 as S3 does (404 NoSuchUpload for an upload it does not hold);
 * and ListParts (GET /<bucket>/<key>?uploadId=), which s3rver lacks: the parts it holds, in one page, with their
 * ETags, sizes and, for an upload begun with x-amz-checksum-algorithm SHA256, each part's SHA-256 computed from
 * the stored bytes (s3rver ignores checksum headers; nothing here checks what a client claimed).
 *
 * s3rver checks SigV4 only in part, headers and presigned URLs alike: the access key must be its own (S3RVER) and
 * a presigned URL must not have expired (X-Amz-Date + X-Amz-Expires); the signature itself is never computed.
 */
const S3RVER_CHILD = `
const fs = require('fs');
const S3rver = require(process.env.LEAKPROOF_S3RVER_MODULE);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: process.env.LEAKPROOF_S3RVER_DIRECTORY,
  vhostBuckets: false,
});
const store = server.store;

server.middleware.unshift(async (ctx, next) => {
  const suffix = /^bytes=-(\\d+)$/.exec(ctx.get('range'));
  if (suffix && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
    const [, bucket, ...rest] = ctx.path.split('/');
    const metadata = await store.getMetadata(bucket, decodeURIComponent(rest.join('/'))).catch(() => undefined);
    const size = metadata ? Number(metadata['content-length']) : 0;
    const length = Number(suffix[1]);
    if (size > 0 && length > 0) ctx.req.headers.range = 'bytes=' + Math.max(0, size - length) + '-' + (size - 1);
  }
  await next();
});

server.middleware.unshift(async (ctx, next) => {
  const uploadId = ctx.query.uploadId;
  if (ctx.method !== 'DELETE' || typeof uploadId !== 'string' || !/^[0-9a-f]+$/.test(uploadId)) return next();
  const bucket = ctx.path.split('/')[1];
  const directory = require('path').join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
  if (!fs.existsSync(directory)) {
    ctx.status = 404;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
    return;
  }
  fs.rmSync(directory, { recursive: true, force: true });
  ctx.status = 204;
});

server.middleware.unshift(async (ctx, next) => {
  const uploadId = ctx.query.uploadId;
  if (ctx.method !== 'GET' || typeof uploadId !== 'string' || !/^[0-9a-f]+$/.test(uploadId)) return next();
  const [, bucket, ...rest] = ctx.path.split('/');
  const directory = require('path').join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
  ctx.type = 'application/xml';
  if (!fs.existsSync(directory)) {
    ctx.status = 404;
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
    return;
  }
  const initiated = JSON.parse(fs.readFileSync(require('path').join(directory, 'metadata'), 'utf8'));
  const sha256 = String(initiated['x-amz-checksum-algorithm'] || '').toUpperCase() === 'SHA256';
  // A part is stored once its .md5 is written: a part whose upload was cut off in flight is not listed, as in S3.
  const parts = fs.readdirSync(directory).filter((name) => /^\\d+$/.test(name) && fs.existsSync(require('path').join(directory, name + '.md5')))
    .map(Number).sort((a, b) => a - b);
  const xml = parts.map((number) => {
    const file = require('path').join(directory, String(number));
    const bytes = fs.readFileSync(file);
    const checksum = sha256 ? '<ChecksumSHA256>' + require('crypto').createHash('sha256').update(bytes).digest('base64') + '</ChecksumSHA256>' : '';
    return '<Part><PartNumber>' + number + '</PartNumber><LastModified>' + fs.statSync(file).mtime.toISOString() + '</LastModified>' +
      '<ETag>&quot;' + fs.readFileSync(file + '.md5', 'utf8') + '&quot;</ETag><Size>' + bytes.length + '</Size>' + checksum + '</Part>';
  });
  ctx.status = 200;
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><Bucket>' + bucket + '</Bucket><Key>' + rest.join('/') + '</Key><UploadId>' + uploadId +
    '</UploadId><MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>' + (sha256 ? '<ChecksumAlgorithm>SHA256</ChecksumAlgorithm>' : '') + xml.join('') + '</ListPartsResult>';
});

const getObject = store.getObject.bind(store);
store.getObject = async (bucket, key, options) => {
  if (!options || options.end !== 0) return getObject(bucket, key, options);
  if (options.start > 0) return getObject(bucket, key, {}); // first > last: S3 ignores such a range
  const object = await getObject(bucket, key, { start: 0 });
  if (!object || !object.content) return object;
  object.content.destroy();
  object.content = fs.createReadStream(store.getResourcePath(bucket, key, 'object'), { start: 0, end: 0 });
  object.range = { start: 0, end: 0 };
  return object;
};

// Its directory goes with it, even when the parent was killed before it could remove it.
const exit = () => {
  try { fs.rmSync(process.env.LEAKPROOF_S3RVER_DIRECTORY, { recursive: true, force: true }); } catch {}
  process.exit(0);
};
process.stdin.on('end', exit);
process.stdin.on('error', exit);
process.stdin.resume();
process.on('SIGTERM', exit);
server.run().then(
  (address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'),
  (error) => { process.stderr.write(String((error && error.stack) || error) + '\\n'); process.exit(1); },
);
`;

async function startS3rver(): Promise<RunningService> {
  const directory = await mkdtemp(join(tmpdir(), 'leakproof-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', S3RVER_CHILD], {
    env: {
      ...process.env,
      // Our own flags only: whatever the test runner put in NODE_OPTIONS (loaders, inspectors) is not for s3rver.
      NODE_OPTIONS: '',
      LEAKPROOF_S3RVER_MODULE: require.resolve('s3rver'),
      LEAKPROOF_S3RVER_DIRECTORY: directory,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 20_000) stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`s3rver did not start within 15 s\n${stderr}`)), 15_000);
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        stdout += chunk;
        const line = stdout.split('\n')[0];
        if (stdout.includes('\n') && line !== undefined) {
          clearTimeout(timer);
          const parsed = JSON.parse(line) as { port: number };
          resolve(parsed.port);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited before it was ready (code ${code}, signal ${signal})\n${stderr}`));
      });
    });
    return { endpoint: `http://127.0.0.1:${port}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// fauxqs, in process

async function startFauxqs(): Promise<RunningService> {
  // fauxqs builds queue URLs as http://sqs.<region>.localhost:<port>/... unless its store's host is empty, when it
  // uses the request's Host header (http://127.0.0.1:<port>/...). The first kind breaks clients configured only by
  // AWS_ENDPOINT_URL_SQS: the SDK then sends to the QueueUrl's own host (useQueueUrlAsEndpoint), which does not
  // resolve. buildApp cannot be told "no host", so we hand it stores of our own, the SQS one with host ''.
  const distribution = import.meta.resolve('fauxqs');
  const [{ SqsStore }, { SnsStore }, { S3Store }] = (await Promise.all([
    import(new URL('./sqs/sqsStore.js', distribution).href),
    import(new URL('./sns/snsStore.js', distribution).href),
    import(new URL('./s3/s3Store.js', distribution).href),
  ])) as [{ SqsStore: new () => { host: string } }, { SnsStore: new () => object }, { S3Store: new () => object }];
  const sqsStore = new SqsStore();
  sqsStore.host = '';
  const stores = { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() } as unknown as NonNullable<BuildAppOptions['stores']>;
  // We bind it ourselves: startFauxqs would listen on 0.0.0.0.
  const app = buildApp({ logger: false, defaultRegion: EMULATOR_REGION, stores });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => app.close() };
}

// ---------------------------------------------------------------------------------------------------------------
// dynalite, in process

type Dynalite = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number; path?: string }) => Server;

async function startDynalite(): Promise<RunningService> {
  const dynalite = require('dynalite') as Dynalite;
  // No path: in memory. Zero delays: tables are ACTIVE at once rather than after 500 ms in CREATING.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Leakproof's resources

export interface LeakproofResources {
  bucket: string;
  workQueueUrl: string;
  workQueueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
  /** Where a split that runs out of time leaves its continuation. */
  splitQueueUrl: string;
  splitQueueArn: string;
  dumpsTable: string;
  verdictsTable: string;
  postingsTable: string;
  keysTable: string;
  /**
   * The variables of shared/adapters/aws/settings.ts (offline 'true'), merged over the emulators' own env: one
   * spread gives a handler everything it reads.
   */
  env: Record<string, string>;
}

/**
 * A test file's emulators (started before its tests, stopped after them) and fresh resources for each of its tests:
 * the hooks are registered here, and the fields are filled in as they run.
 */
export function emulatedResources(): { emulators: AwsEmulators; db: DynamoDBDocumentClient; resources: LeakproofResources; tables: ReturnType<typeof verdictTables> } {
  const fixture = {} as ReturnType<typeof emulatedResources>;
  beforeAll(async () => {
    fixture.emulators = await startAwsEmulators();
    fixture.db = documentClient(fixture.emulators.dynamodb);
  });
  afterAll(() => fixture.emulators.stop());
  beforeEach(async () => {
    fixture.resources = await createLeakproofResources(fixture.emulators);
    fixture.tables = verdictTables(fixture.resources);
  });
  return fixture;
}

/** The verdict store's tables among the resources. */
export function verdictTables(resources: LeakproofResources): { dumps: string; verdicts: string; postings: string } {
  return { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable };
}

/** What the handlers' Powertools read besides the settings: no logs, no metrics flushed, in the tests. */
export const QUIET_HANDLERS = {
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_METRICS_NAMESPACE: 'Leakproof',
  POWERTOOLS_SERVICE_NAME: 'leakproof',
} as const;

/**
 * Creates a bucket, a work queue with a dead-letter queue, and the four tables as table-design.ts describes them
 * (string keys, its indexes with their projections, on-demand). Names are unique per call, so tests sharing emulators do not meet.
 */
export async function createLeakproofResources(
  emulators: AwsEmulators,
  options: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<LeakproofResources> {
  const { maxReceiveCount = 3, visibilityTimeoutSeconds = 30 } = options;
  const suffix = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const bucket = `leakproof-${suffix}`;
  const names = {
    workQueue: `leakproof-work-${suffix}`,
    splitQueue: `leakproof-split-${suffix}`,
    deadLetterQueue: `leakproof-work-dlq-${suffix}`,
    dumpsTable: `leakproof-dumps-${suffix}`,
    verdictsTable: `leakproof-verdicts-${suffix}`,
    postingsTable: `leakproof-postings-${suffix}`,
    keysTable: `leakproof-keys-${suffix}`,
  };

  const queueArn = async (queueUrl: string): Promise<string> => {
    const { Attributes } = await emulators.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const arn = Attributes?.QueueArn;
    if (!arn) throw new Error(`no QueueArn for ${queueUrl}`);
    return arn;
  };

  const createBucket = emulators.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const createQueues = (async () => {
    const deadLetter = await emulators.sqs.send(
      new CreateQueueCommand({
        QueueName: names.deadLetterQueue,
        Attributes: { MaximumMessageSize: '1048576', MessageRetentionPeriod: '1209600' },
      }),
    );
    const deadLetterQueueUrl = required(deadLetter.QueueUrl, 'dead-letter queue URL');
    const deadLetterQueueArn = await queueArn(deadLetterQueueUrl);
    const work = await emulators.sqs.send(
      new CreateQueueCommand({
        QueueName: names.workQueue,
        Attributes: {
          MaximumMessageSize: '1048576',
          VisibilityTimeout: String(visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount }),
        },
      }),
    );
    const workQueueUrl = required(work.QueueUrl, 'work queue URL');
    const split = await emulators.sqs.send(new CreateQueueCommand({ QueueName: names.splitQueue, Attributes: { VisibilityTimeout: String(visibilityTimeoutSeconds) } }));
    const splitQueueUrl = required(split.QueueUrl, 'split queue URL');
    return { workQueueUrl, workQueueArn: await queueArn(workQueueUrl), deadLetterQueueUrl, deadLetterQueueArn, splitQueueUrl, splitQueueArn: await queueArn(splitQueueUrl) };
  })();
  const createTables = Promise.all([
    createTable(emulators.dynamodb, names.dumpsTable, DUMPS_TABLE),
    createTable(emulators.dynamodb, names.verdictsTable, VERDICTS_TABLE),
    createTable(emulators.dynamodb, names.postingsTable, POSTINGS_TABLE),
    createTable(emulators.dynamodb, names.keysTable, KEYS_TABLE),
  ]);
  const [, queues] = await Promise.all([createBucket, createQueues, createTables]);

  return {
    bucket,
    ...queues,
    dumpsTable: names.dumpsTable,
    verdictsTable: names.verdictsTable,
    postingsTable: names.postingsTable,
    keysTable: names.keysTable,
    env: {
      ...emulators.env,
      [SETTING_VARIABLES.bucket]: bucket,
      [SETTING_VARIABLES.dumpsTable]: names.dumpsTable,
      [SETTING_VARIABLES.verdictsTable]: names.verdictsTable,
      [SETTING_VARIABLES.postingsTable]: names.postingsTable,
      [SETTING_VARIABLES.keysTable]: names.keysTable,
      [SETTING_VARIABLES.workQueueUrl]: queues.workQueueUrl,
      [SETTING_VARIABLES.splitQueueUrl]: queues.splitQueueUrl,
      [SETTING_VARIABLES.offline]: 'true',
    },
  };
}

/** A table as the design says, its indexes found in it the way infra/tables.ts finds them. */
async function createTable(dynamodb: DynamoDBClient, tableName: string, design: TableDesign): Promise<void> {
  const indexes = indexesOf(design);
  const attributeNames = new Set<string>([design.partitionKey, design.sortKey]);
  for (const index of indexes) {
    attributeNames.add(index.partitionKey);
    attributeNames.add(index.sortKey);
  }
  const AttributeDefinitions: AttributeDefinition[] = [...attributeNames].map((name) => ({ AttributeName: name, AttributeType: 'S' }));
  const GlobalSecondaryIndexes: GlobalSecondaryIndex[] = indexes.map((index) => ({
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: index.projection === 'all' ? { ProjectionType: 'ALL' } : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection] },
  }));
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions,
      KeySchema: [
        { AttributeName: design.partitionKey, KeyType: 'HASH' },
        { AttributeName: design.sortKey, KeyType: 'RANGE' },
      ],
      ...(GlobalSecondaryIndexes.length > 0 ? { GlobalSecondaryIndexes } : {}),
    }),
  );
  // dynalite reports CREATING until a timer fires (0 ms here, 500 ms by default): wait for ACTIVE, table and indexes.
  for (let attempt = 0; ; attempt++) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const active =
      Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (active) return;
    if (attempt >= 200) throw new Error(`table ${tableName} is not ACTIVE: ${Table?.TableStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`emulator returned no ${what}`);
  return value;
}
