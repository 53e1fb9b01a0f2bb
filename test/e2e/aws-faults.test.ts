/**
 * The AWS pipeline under injected faults, on the emulators (see aws-pipeline.test.ts for the fault-free run):
 * each case puts the same dump (a zip holding loose messages, a nested zip and an mbox, so that the splitter
 * stages messages) into S3, lets the splitter, its continuations, the workers and the dead-letter recorder run
 * while something goes wrong, and asserts that the dump completes with exactly what `leakproof ingest` finds in
 * it: the same records, the same summary and counts, no entry stored twice, no job set aside as errors.
 *
 * Faults come from test/helpers/fault-injection.ts, seeded: HTTP proxies in front of DynamoDB and S3 that the
 * handlers' SDK clients talk to (so the SDK's own retries are exercised, as against AWS), duplicate and
 * concurrent deliveries, and a worker process killed part way through its writes.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoKeyArchive } from '../../shared/adapters/aws/dynamo-key-archive.ts';
import { DynamoVerdictStore } from '../../shared/adapters/aws/dynamo-verdict-store.ts';
import { COUNTING_LEASE_VARIABLE, UPLOADS_PREFIX } from '../../shared/adapters/aws/settings.ts';
import { parseJob } from '../../shared/fanout/parse-job.ts';
import { generateDump } from '../../tools/generator/generate-dump.ts';
import { mboxrdQuote } from '../../tools/generator/writers/mbox-quoting.ts';
import { importKeyFile } from '../../shared/keys/key-import.ts';
import type { DumpSummary, ExportRecord } from '../../shared/ports/verdict-store.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators, type LeakproofResources, QUIET_HANDLERS } from '../helpers/aws-emulators.ts';
import { buildZip, mboxRecord } from '../helpers/dump-files.ts';
import { drainQueue, type SqsHandler } from '../helpers/event-source-mapping.ts';
import {
  deliveredTwice,
  dynamodbOperation,
  failRangedGets,
  invokeAsynchronously,
  invokeInChildProcess,
  isDynamodbWrite,
  REPOSITORY_ROOT,
  startFaultProxy,
  throttleDynamodbWrites,
  type FaultProxy,
  type FaultRule,
} from '../helpers/fault-injection.ts';
import { lambdaContext, s3ObjectCreatedEventFor } from '../helpers/lambda-events.ts';

const BIN = resolve('bin/leakproof.js');
const SEED = 'leakproof-faults';
/** The stack's default (infra/leakproof-stack.ts): a job is set aside after this many failed deliveries. */
const MAX_RECEIVE_COUNT = 5;
const FORWARD: FaultRule = () => ({ kind: 'forward' });

const work = mkdtempSync(join(tmpdir(), 'leakproof-aws-faults-'));
let emulators: AwsEmulators;
let dynamodbProxy: FaultProxy;
let s3Proxy: FaultProxy;

/** The dump every case runs, and what `leakproof ingest` makes of it. */
const dump: { path: string; keysPath: string; bytes: Buffer; stagedMessages: number } = { path: '', keysPath: '', bytes: Buffer.alloc(0), stagedMessages: 0 };
let local: { summary: DumpSummary; records: ExportRecord[]; entries: number };

beforeAll(async () => {
  emulators = await startAwsEmulators();
  [dynamodbProxy, s3Proxy] = await Promise.all([startFaultProxy(emulators.endpoints.dynamodb), startFaultProxy(emulators.endpoints.s3)]);
  await composeDump();
  local = localIngest();
});
/** What each case injected and what it cost, printed with LEAKPROOF_FAULTS_REPORT=1 (the figures in the notes). */
const report: Record<string, Record<string, number>> = {};
afterAll(async () => {
  if (process.env.LEAKPROOF_FAULTS_REPORT) console.log(JSON.stringify({ entries: local?.entries, stagedMessages: dump.stagedMessages, report }, null, 1));
  await Promise.allSettled([dynamodbProxy?.stop(), s3Proxy?.stop()]);
  await emulators?.stop();
  rmSync(work, { recursive: true, force: true });
});

/**
 * A generated mailbox (signed messages with known tampering, a PDF, an image, a cut message) laid out as a zip:
 * most messages loose, one month's in a nested zip and another's in an mbox, both inside the zip. The splitter
 * lists the loose ones from the central directory and stages the messages of the two containers one by one.
 */
async function composeDump(): Promise<void> {
  const generated = await generateDump({ outDir: join(work, 'generated'), format: 'folder', messages: 280, attachmentMinBytes: 2_000, attachmentMaxBytes: 30_000, seed: SEED });
  const files = listFiles(generated.dumpPath).map((path) => ({ name: relative(generated.dumpPath, path).split('\\').join('/'), data: readFileSync(path) }));
  // Folders holding messages (the generator's loose documents sit beside them).
  const months = [...new Set(files.filter((file) => file.name.endsWith('.eml')).map((file) => file.name.split('/').slice(0, 2).join('/')))].sort();
  const [nestedMonth, mboxMonth] = [months[1]!, months[2]!];
  const inMonth = (month: string) => files.filter((file) => file.name.startsWith(`${month}/`) && file.name.endsWith('.eml'));
  const nested = inMonth(nestedMonth);
  const boxed = inMonth(mboxMonth);
  const loose = files.filter((file) => !nested.includes(file) && !boxed.includes(file));
  dump.stagedMessages = nested.length + boxed.length;
  dump.bytes = await buildZip([
    ...loose.slice(0, loose.length >> 1),
    { name: 'archives/older.zip', data: await buildZip(nested) },
    { name: 'archives/box.mbox', data: Buffer.concat(boxed.map((file) => mboxRecord(mboxrdQuote(file.data)))) },
    ...loose.slice(loose.length >> 1),
  ]);
  dump.path = join(work, 'faults.zip');
  dump.keysPath = generated.keysPath;
  writeFileSync(dump.path, dump.bytes);
}

function listFiles(root: string): string[] {
  return readdirSync(root)
    .sort()
    .flatMap((name) => {
      const path = join(root, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

/** `leakproof ingest` on the same dump: its summary and exported records. */
function localIngest() {
  const home = join(work, 'home');
  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args, '--home', home], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout;
  };
  const { summary } = JSON.parse(run('ingest', dump.path, '--keys', dump.keysPath, '--offline', '--json')) as { summary: DumpSummary };
  const records = run('export', '--format', 'jsonl').trim().split('\n').map((line) => JSON.parse(line) as ExportRecord);
  return { summary, records, entries: summary.messages + summary.documents + summary.skipped + summary.errors };
}

// -----------------------------------------------------------------------------------------------------------------
// A fresh deployment per case: its own bucket, queues and tables, and handler modules wired to them through the
// proxies (the handlers keep their adapters for the life of a module, as a Lambda container does).

interface Deployment {
  resources: LeakproofResources;
  /** The handlers' environment: the emulators behind the proxies for DynamoDB and S3. */
  env: Record<string, string>;
  store: DynamoVerdictStore;
  split: (event: S3Event | SQSEvent, context: Context) => Promise<void>;
  verify: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  recordDeadLetters: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  key: string;
  s3Event: S3Event;
}

async function deploy(name: string, settings: Record<string, string> = {}): Promise<Deployment> {
  dynamodbProxy.rule = FORWARD;
  s3Proxy.rule = FORWARD;
  const resources = await createLeakproofResources(emulators, { maxReceiveCount: MAX_RECEIVE_COUNT });
  const env = {
    ...resources.env,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbProxy.endpoint,
    AWS_ENDPOINT_URL_S3: s3Proxy.endpoint,
    ...QUIET_HANDLERS,
    ...settings,
  };
  delete process.env[COUNTING_LEASE_VARIABLE]; // a setting of an earlier case's deployment
  Object.assign(process.env, env);
  vi.resetModules();
  const { handler: split } = await import('../../functions/split.ts');
  const { handler: verify } = await import('../../functions/verify.ts');
  const { handler: recordDeadLetters } = await import('../../functions/dead-letter.ts');
  const db = DynamoDBDocumentClient.from(emulators.dynamodb);
  const imported = await importKeyFile(dump.keysPath, new DynamoKeyArchive(db, resources.keysTable));
  expect(imported.errors).toEqual([]);
  const key = `${UPLOADS_PREFIX}${name}.zip`;
  await emulators.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: key, Body: dump.bytes }));
  const store = new DynamoVerdictStore(db, { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable });
  return { resources, env, store, split, verify, recordDeadLetters, key, s3Event: await s3ObjectCreatedEventFor(emulators.s3, resources.bucket, key) };
}

const context = (functionName: string) => () => lambdaContext({ functionName });

/** The split's continuations, one per invocation as the split queue's event source mapping passes them. */
function drainSplitLegs(deployment: Deployment, contextFor: () => Context = context('split'), handler: SqsHandler = deployment.split) {
  const { sqs } = emulators;
  const { splitQueueUrl: queueUrl, splitQueueArn: queueArn } = deployment.resources;
  return drainQueue({ sqs, queueUrl, queueArn, handler, batchSize: 1, context: contextFor, maxRounds: 1_000 });
}

function drainJobs(deployment: Deployment, handler: SqsHandler = deployment.verify, batchSize = 10) {
  const { workQueueUrl: queueUrl, workQueueArn: queueArn } = deployment.resources;
  return drainQueue({ sqs: emulators.sqs, queueUrl, queueArn, handler, batchSize, context: context('verify'), maxRounds: 1_000 });
}

/** What ran into the dead-letter queue, recorded as the stack's recorder does. */
function drainDeadLetters(deployment: Deployment) {
  const { deadLetterQueueUrl: queueUrl, deadLetterQueueArn: queueArn } = deployment.resources;
  return drainQueue({ sqs: emulators.sqs, queueUrl, queueArn, handler: deployment.recordDeadLetters, context: context('dead-letter') });
}

/** Records compared across the two pipelines: the dump id (a hash of different things) and the clock differ. */
function comparable(records: ExportRecord[]) {
  return records.map(({ dump: _dump, verifiedAt: _at, ...rest }) => rest);
}

/**
 * The case's end state: nothing set aside, the dump complete, and exactly what the local ingest found: the same
 * records in the same order, the same summary, every entry stored once.
 */
async function expectSameAsLocalIngest(deployment: Deployment): Promise<void> {
  dynamodbProxy.rule = FORWARD;
  s3Proxy.rule = FORWARD;
  const dead = await drainDeadLetters(deployment);
  expect(dead.deliveries, 'jobs set aside in the dead-letter queue').toBe(0);
  // Every entry in, the dump's documents are settled by legs on the split queue before it completes.
  expect((await drainSplitLegs(deployment)).failures, 'settle legs that failed').toBe(0);

  const [overview] = await deployment.store.listDumps();
  const dumpId = overview!.id;
  const counts = (await deployment.store.counts(dumpId))!;
  expect(counts.status).toBe('complete');
  expect(counts.located).toBe(local.entries);
  expect(counts.messages + counts.documents + counts.skipped + counts.errors).toBe(counts.located);

  const records: ExportRecord[] = [];
  for await (const record of deployment.store.exportRecords(dumpId)) records.push(record);
  expect(records.filter((record) => /kept failing/.test(record.detail ?? '')), 'entries of jobs set aside').toEqual([]);
  expect(comparable(records)).toEqual(comparable(local.records));
  const summary = (await deployment.store.summary(dumpId))!;
  expect({ ...summary, dump: undefined }).toEqual({ ...local.summary, dump: undefined });

  // Every entry once: as many entry items as entries (skipped ones included), under as many distinct locators.
  const items = await scanAll(deployment.resources.verdictsTable);
  const locators = items.map((item) => `${item.dumpId?.S}\n${item.locator?.S}`);
  expect(items.length).toBe(local.entries);
  expect(new Set(locators).size).toBe(local.entries);
}

async function scanAll(table: string) {
  const items: Record<string, { S?: string }>[] = [];
  let start: Record<string, any> | undefined;
  do {
    const page = await emulators.dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as typeof items));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The fault-free path of a case: the S3 event, the split's continuations, the jobs. */
async function runPipeline(deployment: Deployment, options: { workHandler?: SqsHandler; batchSize?: number } = {}) {
  const splitErrors = await invokeAsynchronously(deployment.split, deployment.s3Event, context('split'));
  const legs = await drainSplitLegs(deployment);
  const jobs = await drainJobs(deployment, options.workHandler, options.batchSize);
  return { splitErrors, legs, jobs };
}

/**
 * Contexts for split invocations that run short of time once they have staged `every` messages, as the S3 proxy
 * counts PUTs under staging/ (the dump's loose messages are never staged: a pause there is inside a container).
 */
async function shortOfTimeAfterStaging(every: number) {
  const { SPLIT_TIME_RESERVE_MS } = await import('../../functions/split.ts');
  let stagedPuts = 0;
  const pausedAt: number[] = [];
  const observe = (request: Parameters<FaultRule>[0]) => void (request.method === 'PUT' && request.url.includes('/staging/') && stagedPuts++);
  s3Proxy.observers.add(observe);
  const context = () => {
    const from = stagedPuts;
    let paused = false;
    return lambdaContext({
      functionName: 'split',
      remainingTimeInMillis: () => {
        if (stagedPuts - from < every) return 600_000;
        if (!paused) pausedAt.push(stagedPuts);
        paused = true;
        return SPLIT_TIME_RESERVE_MS / 3;
      },
    });
  };
  return { context, pausedAt, stagedPuts: () => stagedPuts, stop: () => s3Proxy.observers.delete(observe) };
}

/** Faults a proxy injected since `before` (a copy of its `injected`), by kind, the kinds it did not use left out. */
function injectedSince(proxy: FaultProxy, before: FaultProxy['injected'], label: string): Record<string, number> {
  const delta = Object.entries(proxy.injected).map(([kind, n]) => [`${label} ${kind}`, n - before[kind as keyof typeof before]] as const);
  return Object.fromEntries(delta.filter(([, n]) => n > 0));
}

function recordRun(name: string, run: { splitErrors?: unknown[]; legs?: { invocations: number; failures: number }; jobs?: { deliveries: number; failures: number } }, extra: Record<string, number> = {}) {
  report[name] = {
    'split tries failed': run.splitErrors?.length ?? 0,
    'split legs (continuations)': run.legs?.invocations ?? 0,
    'split legs failed': run.legs?.failures ?? 0,
    'job deliveries': run.jobs?.deliveries ?? 0,
    'job deliveries failed': run.jobs?.failures ?? 0,
    ...extra,
  };
}

describe('the AWS pipeline under injected faults', () => {
  it('20 % of DynamoDB writes throttled (single writes refused, batch items left unprocessed): the same records and counts', async () => {
    const deployment = await deploy('throttled');
    let writes = 0;
    const countWrites = (request: Parameters<FaultRule>[0]) => void (isDynamodbWrite(request) && writes++);
    dynamodbProxy.observers.add(countWrites);
    try {
      dynamodbProxy.rule = throttleDynamodbWrites(SEED, 0.2);
      const before = { ...dynamodbProxy.injected };
      const run = await runPipeline(deployment);
      const injected = injectedSince(dynamodbProxy, before, 'DynamoDB');
      recordRun('throttled', run, { 'DynamoDB write requests': writes, ...injected });
      // Refused whole, or sent on with some items left unprocessed: at least a tenth of the write requests.
      expect((injected['DynamoDB answer'] ?? 0) + (injected['DynamoDB rewrite'] ?? 0)).toBeGreaterThan(writes * 0.1);
    } finally {
      dynamodbProxy.observers.delete(countWrites);
    }
    await expectSameAsLocalIngest(deployment);
  }, 240_000); // the SDK's back-off under 20 % throttling: ~60 s alone now that each message also writes its file, identity and search postings

  it('5 % of S3 ranged GETs failing (500s the SDK retries, bodies cut half way it cannot): the same records and counts', async () => {
    const deployment = await deploy('ranged-gets');
    s3Proxy.rule = failRangedGets(SEED, 0.05);
    let rangedGets = 0;
    const countRangedGets = (request: Parameters<FaultRule>[0]) => void (request.method === 'GET' && request.headers.range !== undefined && rangedGets++);
    s3Proxy.observers.add(countRangedGets);
    const before = { ...s3Proxy.injected };
    const run = await runPipeline(deployment).finally(() => s3Proxy.observers.delete(countRangedGets));
    const injected = injectedSince(s3Proxy, before, 'S3');
    recordRun('ranged-gets', run, { 'S3 ranged GETs': rangedGets, ...injected });
    // Both kinds of failure happened: answered 500 and cut half way.
    expect(injected['S3 answer']).toBeGreaterThan(0);
    expect(injected['S3 cut-body']).toBeGreaterThan(0);
    await expectSameAsLocalIngest(deployment);
  });

  // Two deliveries of one job counting at once once counted a named counter (a sender's or signing domain's, a
  // month's) twice; the counting lease (dynamo-counters.ts) holds the second until the first is done.
  it('every SQS job delivered twice, both deliveries at once: the same records, counted once', async () => {
    const deployment = await deploy('jobs-twice');
    const run = await runPipeline(deployment, { workHandler: deliveredTwice(deployment.verify, context('verify')) });
    recordRun('jobs-twice', run, { 'handler calls per delivery': 2 });
    expect(run.jobs.failures).toBe(0);
    await expectSameAsLocalIngest(deployment);
  });

  it('every split continuation delivered twice, both at once, each copy pausing elsewhere: the same jobs, records and counts', async () => {
    const deployment = await deploy('legs-twice');
    // The split pauses inside its containers, so that it has continuations to deliver twice; the two copies of a
    // leg count the staged PUTs of both, and so pause at different points.
    const short = await shortOfTimeAfterStaging(30);
    try {
      const splitErrors = await invokeAsynchronously(deployment.split, deployment.s3Event, short.context);
      const legs = await drainSplitLegs(deployment, short.context, deliveredTwice(deployment.split, short.context));
      const jobs = await drainJobs(deployment);
      recordRun('legs-twice', { splitErrors, legs, jobs }, { 'handler calls per delivery': 2, 'staged PUTs': short.stagedPuts() });
      expect(legs.invocations).toBeGreaterThanOrEqual(2);
      expect(legs.failures).toBe(0);
      expect(jobs.failures).toBe(0);
    } finally {
      short.stop();
    }
    await expectSameAsLocalIngest(deployment);
  });

  it('a worker killed after writing half of a job\'s items, another part way through counting: each job comes back and completes, nothing counted twice', async () => {
    // A worker killed while counting holds its batch's counting lease until the lease runs out (3 minutes in AWS);
    // a 2 s lease stands for that wait here.
    const deployment = await deploy('killed', { [COUNTING_LEASE_VARIABLE]: '2000' });
    const { verdictsTable, postingsTable } = deployment.resources;
    const kills: string[] = [];
    // Each job's first delivery runs in a process of its own, killed (SIGKILL) when the DynamoDB proxy sees it
    // about to write past the point chosen for it; whatever it sends after that is refused.
    const killedPartWay: SqsHandler = async (event, invocation) => {
      const [record] = event.Records;
      const job = parseJob(record!.body);
      if (record!.attributes.ApproximateReceiveCount !== '1' || job.units.length < 20) return deployment.verify(event, invocation);
      const afterHalfTheItems = job.jobId % 2 === 0;
      let items = 0;
      let countWrites = 0;
      let killed = false;
      const worker = invokeInChildProcess(join(REPOSITORY_ROOT, 'functions/verify.ts'), event, deployment.env);
      dynamodbProxy.rule = (request) => {
        if (!killed && isDynamodbWrite(request)) {
          // Job 0, 2, …: half its entries are in the table. Job 1, 3, …: every entry and three writes of counts.
          killed = afterHalfTheItems ? items >= job.units.length / 2 : items >= job.units.length && countWrites >= 3;
          if (killed) {
            kills.push(afterHalfTheItems ? 'after half the items' : 'while counting');
            worker.kill();
          }
          items += verdictItemsIn(request, verdictsTable);
          if (!writesTo(request, [verdictsTable, postingsTable])) countWrites++;
        }
        return killed ? { kind: 'reset' } : { kind: 'forward' };
      };
      try {
        return (await worker.response) ?? undefined;
      } finally {
        dynamodbProxy.rule = FORWARD;
      }
    };
    const run = await runPipeline(deployment, { workHandler: killedPartWay, batchSize: 1 });
    recordRun('killed', run, { 'workers killed after half the items': kills.filter((kill) => kill === 'after half the items').length, 'workers killed while counting': kills.filter((kill) => kill === 'while counting').length });
    expect(kills).toEqual(expect.arrayContaining(['after half the items', 'while counting']));
    expect(run.jobs.failures).toBe(kills.length);
    await expectSameAsLocalIngest(deployment);
  });

  it('a split leg running out of time in the middle of a nested container: its continuations finish the container', async () => {
    const deployment = await deploy('split-timeout');
    // Each leg runs short of time once it has staged 20 messages: always inside the nested zip or the mbox.
    const short = await shortOfTimeAfterStaging(20);
    try {
      const splitErrors = await invokeAsynchronously(deployment.split, deployment.s3Event, short.context);
      const legs = await drainSplitLegs(deployment, short.context);
      const jobs = await drainJobs(deployment);
      recordRun('split-timeout', { splitErrors, legs, jobs }, { 'staged PUTs': short.stagedPuts(), 'pauses inside a container': short.pausedAt.filter((staged) => staged < dump.stagedMessages).length });
      expect(legs.failures).toBe(0);
      expect(legs.invocations).toBeGreaterThanOrEqual(2);
      expect(short.pausedAt.some((staged) => staged > 0 && staged < dump.stagedMessages)).toBe(true);
    } finally {
      short.stop();
    }
    await expectSameAsLocalIngest(deployment);
  });

  it('the splitter\'s S3 event delivered twice, both at once: one dump, the same records, counted once', async () => {
    const deployment = await deploy('s3-event-twice');
    const tries = await Promise.all([
      invokeAsynchronously(deployment.split, deployment.s3Event, context('split')),
      invokeAsynchronously(deployment.split, deployment.s3Event, context('split')),
    ]);
    const legs = await drainSplitLegs(deployment);
    const jobs = await drainJobs(deployment);
    recordRun('s3-event-twice', { splitErrors: tries.flat(), legs, jobs });
    expect(await deployment.store.listDumps()).toHaveLength(1);
    await expectSameAsLocalIngest(deployment);
  });
});

/** Whether a DynamoDB write request writes to one of these tables only. */
function writesTo(request: Parameters<FaultRule>[0], tables: string[]): boolean {
  const input = JSON.parse(request.body.toString('utf8')) as { TableName?: string; RequestItems?: Record<string, unknown>; TransactItems?: Record<string, { TableName: string }>[] };
  const named = input.TableName !== undefined ? [input.TableName] : input.RequestItems ? Object.keys(input.RequestItems) : (input.TransactItems ?? []).map((item) => Object.values(item)[0]!.TableName);
  return named.every((table) => tables.includes(table));
}

/** Entries a DynamoDB write request puts into the verdicts table. */
function verdictItemsIn(request: Parameters<FaultRule>[0], verdictsTable: string): number {
  const input = JSON.parse(request.body.toString('utf8')) as { TableName?: string; RequestItems?: Record<string, unknown[]> };
  switch (dynamodbOperation(request)) {
    case 'BatchWriteItem':
      return input.RequestItems?.[verdictsTable]?.length ?? 0;
    case 'PutItem':
      return input.TableName === verdictsTable ? 1 : 0;
    default:
      return 0;
  }
}
