/**
 * `leakproof upload`, `summary --api` and `export --api` end to end on the AWS emulators (s3rver, fauxqs,
 * dynalite; see test/helpers/aws-emulators.ts): the built command uploads a generated dump to S3 in parts, the
 * test plays S3's notification and Lambda's event source mappings (the splitter gets the ObjectCreated event, the
 * work queue is drained through the worker handler), and the command follows the dump through the API Lambda,
 * served over HTTP behind a stand-in for API Gateway's authorisation (test/helpers/http-api-gateway.ts). What it
 * prints is compared with `leakproof ingest`, `summary` and `export` on the same dump.
 *
 * Not emulated: CloudFormation (`--stack` reads the outputs through DescribeStacks; tested with a stubbed client
 * in test/unit/cli/deployment.test.ts) and the Lambda runtime (handlers run in this process).
 */
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoKeyArchive } from '../../shared/adapters/aws/dynamo-key-archive.ts';
import { DynamoVerdictStore } from '../../shared/adapters/aws/dynamo-verdict-store.ts';
import { uploadCommand } from '../../cli/commands/upload.ts';
import { generateDump, type GenerateResult } from '../../tools/generator/generate-dump.ts';
import { importKeyFile } from '../../shared/keys/key-import.ts';
import type { ExportRecord } from '../../shared/ports/verdict-store.ts';
import { createLeakproofResources, EMULATOR_CREDENTIALS, startAwsEmulators, type AwsEmulators, type LeakproofResources, QUIET_HANDLERS } from '../helpers/aws-emulators.ts';
import { drainQueue } from '../helpers/event-source-mapping.ts';
import { serveApiGateway, type RunningGateway } from '../helpers/http-api-gateway.ts';
import { lambdaContext, s3ObjectCreatedEventFor } from '../helpers/lambda-events.ts';

const BIN = resolve('bin/leakproof.js');
const TOKEN = 'a-jwt-as-the-gateway-would-accept';
/** Small parts, so that a small dump goes in many: s3rver takes parts under S3's 5 MiB minimum. */
const PART_BYTES = 16 * 1024;
const work = mkdtempSync(join(tmpdir(), 'leakproof-upload-e2e-'));

let emulators: AwsEmulators;
let resources: LeakproofResources;
let store: DynamoVerdictStore;
let gateway: RunningGateway;
let exportQueue: { url: string; arn: string };
let split: (event: S3Event | SQSEvent, context: Context) => Promise<void>;
let verify: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let writeExports: ((event: SQSEvent, context: Context) => Promise<SQSBatchResponse>) | undefined;
let dump: GenerateResult;
let cliEnv: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

beforeAll(async () => {
  emulators = await startAwsEmulators();
  resources = await createLeakproofResources(emulators);
  const created = await emulators.sqs.send(new CreateQueueCommand({ QueueName: `leakproof-exports-${Date.now().toString(36)}` }));
  const attributes = await emulators.sqs.send(new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl!, AttributeNames: ['QueueArn'] }));
  exportQueue = { url: created.QueueUrl!, arn: attributes.Attributes!.QueueArn! };
  // The handlers wire their adapters from the environment, as in Lambda.
  Object.assign(process.env, resources.env, {
    EXPORT_QUEUE_URL: exportQueue.url, ...QUIET_HANDLERS,
  });
  ({ handler: split } = await import('../../functions/split.ts'));
  ({ handler: verify } = await import('../../functions/verify.ts'));
  const api = await import('../../functions/api.ts');
  writeExports = await import('../../functions/export.ts').then((module) => module.handler).catch(() => undefined);
  gateway = await serveApiGateway({ handler: api.handler, token: TOKEN, credentials: EMULATOR_CREDENTIALS, region: emulators.region });
  const db = DynamoDBDocumentClient.from(emulators.dynamodb);
  store = new DynamoVerdictStore(db, { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable });
  dump = await generateDump({ outDir: join(work, 'dump'), format: 'zip', messages: 60, attachmentMinBytes: 2_000, attachmentMaxBytes: 40_000, seed: 'cli-upload' });
  expect((await importKeyFile(dump.keysPath, new DynamoKeyArchive(db, resources.keysTable))).errors).toEqual([]);
  // The command reaches the emulators as a user's reaches AWS: through the SDK's environment (endpoints, keys, region).
  cliEnv = { ...process.env, ...emulators.env, LEAKPROOF_TOKEN: '' };
});
afterAll(async () => {
  // A command still following a dump when its test failed.
  for (const child of children) if (child.exitCode === null) child.kill();
  await gateway?.close();
  await emulators?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built command, run to its end. Never spawnSync: the API it may call is served by this process. */
function leakproof(args: string[]): Promise<Run> {
  return leakproofInBackground(args, /(?!)/).done;
}

/** The command in the background, with a promise of the stderr line that matches `waitFor`. */
function leakproofInBackground(args: string[], waitFor: RegExp) {
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  let seen: (match: RegExpExecArray) => void;
  const line = new Promise<RegExpExecArray>((resolve) => (seen = resolve));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    const match = waitFor.exec(stderr);
    if (match) seen(match);
  });
  const done = new Promise<Run>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  const lineOrExit = Promise.race([line, done.then((run) => Promise.reject(new Error(`exited ${run.status} before ${waitFor}: ${run.stderr}`)))]);
  lineOrExit.catch(() => undefined); // Awaited only by the tests that wait for a line.
  return { line: lineOrExit, done };
}

/** `leakproof ingest` on the same dump, into a home of its own: what the AWS run must print too. */
async function localIngest(home: string): Promise<string> {
  const run = await leakproof(['ingest', dump.dumpPath, '--keys', dump.keysPath, '--offline', '--home', home]);
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

/** The summary table with the dump's id (a hash of the bytes locally, of the object in AWS) blanked. */
function withoutId(table: string): string {
  return table.replace(/^Dump [0-9a-f]{12} /, 'Dump <id> ');
}

/**
 * S3 announces the object to the splitter, the workers drain the queue, and the splitter's function settles the
 * dump's documents from the split queue, as Lambda would.
 */
async function runPipeline(key: string): Promise<void> {
  await split(await s3ObjectCreatedEventFor(emulators.s3, resources.bucket, key), lambdaContext({ functionName: 'split' }));
  await drainQueue({ sqs: emulators.sqs, queueUrl: resources.workQueueUrl, queueArn: resources.workQueueArn, handler: verify, context: () => lambdaContext({ functionName: 'verify' }) });
  await drainQueue({ sqs: emulators.sqs, queueUrl: resources.splitQueueUrl, queueArn: resources.splitQueueArn, handler: split, batchSize: 1, context: () => lambdaContext({ functionName: 'split' }) });
}

const localHome = join(work, 'local');
let uploadedId: string;

describe('leakproof upload on the emulated stack', () => {
  it('uploads a dump in checksummed parts, follows it through the API until complete, and prints the summary leakproof ingest prints', async () => {
    const ingested = await localIngest(localHome);
    const parts = Math.ceil(statSync(dump.dumpPath).size / PART_BYTES);
    expect(parts).toBeGreaterThan(4);

    const upload = leakproofInBackground(
      ['upload', dump.dumpPath, '--bucket', resources.bucket, '--api', gateway.url, '--part-size', String(PART_BYTES), '--poll-interval', '50', '--home', join(work, 'home-1')],
      /uploaded to s3:\/\/([^/]+)\/(\S+); dump ([0-9a-f]{64})\n/,
    );
    const [, bucket, key, dumpId] = await upload.line;
    expect(bucket).toBe(resources.bucket);
    expect(key).toMatch(new RegExp(`^uploads/[0-9a-f]{16}/${basename(dump.dumpPath).replace('.', '\\.')}$`));
    // The dump is unknown to the API until the splitter has seen the object: the command waits.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await runPipeline(key!);
    const run = await upload.done;
    expect(run.status, run.stderr).toBe(0);
    expect(withoutId(run.stdout)).toBe(withoutId(ingested));
    expect(run.stdout).toMatch(/ complete\n/);
    expect(run.stdout.startsWith(`Dump ${dumpId!.slice(0, 12)} `)).toBe(true);
    // No token given: every API call was signed with the (emulator's) AWS credentials, and the gateway checked each signature.
    expect(gateway.authorised.sigv4).toBeGreaterThan(1);
    expect(gateway.refused).toBe(0);
    uploadedId = dumpId!;
  });

  it('--no-wait returns once the object is in the bucket, printing the dump id, before the stack has seen it', async () => {
    const other = await generateDump({ outDir: join(work, 'other'), format: 'mbox', messages: 12, seed: 'cli-upload-no-wait', name: 'no-wait' });
    const run = await leakproof(['upload', other.dumpPath, '--bucket', resources.bucket, '--no-wait', '--part-size', String(PART_BYTES), '--home', join(work, 'home-2')]);
    expect(run.status, run.stderr).toBe(0);
    const dumpId = run.stdout.trim();
    expect(dumpId).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.summary(dumpId)).toBeNull();
  });

  it('the same file uploaded again is not sent again, and is the same dump', async () => {
    const run = await leakproof(['upload', dump.dumpPath, '--bucket', resources.bucket, '--api', gateway.url, '--token', TOKEN, '--poll-interval', '50', '--home', join(work, 'home-3')]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/already in the bucket; not uploaded again/);
    expect(run.stdout.startsWith(`Dump ${uploadedId.slice(0, 12)} `)).toBe(true);
    expect(gateway.authorised.bearer).toBeGreaterThan(0);
  });

  it('summary --api and export --api print what summary and export print over the local store', async () => {
    const local = await leakproof(['summary', '--home', localHome]);
    const remote = await leakproof(['summary', '--api', gateway.url, '--dump', uploadedId.slice(0, 10)]);
    expect(remote.status, remote.stderr).toBe(0);
    // The whole summary: the table, then the lists after it (messages to look at with their plain reasons, files
    // not read with why), read through the API's listing, message details and skipped files.
    expect(withoutId(remote.stdout)).toBe(withoutId(local.stdout));
    expect(local.stdout).toContain('To look at:');
    expect(local.stdout).toMatch(/\n {21}\S/);
    expect(local.stdout).toMatch(/\n\nSkipped \(not content\): \d+ files?\n  \S[^\n]*: /);

    const localJson = JSON.parse((await leakproof(['summary', '--json', '--home', localHome])).stdout);
    const remoteJson = JSON.parse((await leakproof(['summary', '--json', '--api', gateway.url, '--token', TOKEN, '--dump', uploadedId])).stdout);
    expect({ ...remoteJson, dump: undefined }).toEqual({ ...localJson, dump: undefined });
    expect(localJson.attention.messages.length).toBeGreaterThan(0);

    for (const format of ['jsonl', 'csv'] as const) {
      const localExport = await leakproof(['export', '--format', format, '--home', localHome]);
      const output = join(work, `remote.${format}`);
      const exporting = leakproofInBackground(['export', '--api', gateway.url, '--dump', uploadedId, '--format', format, '--output', output], /\n/);
      // The export is a job in AWS: its queue is drained while the command asks for its status.
      const drained = writeExports ? drainExports(exporting.done) : Promise.resolve();
      const routesBefore = gateway.routes.length;
      const run = await exporting.done;
      await drained;
      expect(run.status, run.stderr).toBe(0);
      // Asked for the export, then for its status until it redirected to the file (fetched from S3 directly).
      const asked = gateway.routes.slice(routesBefore).filter((route) => route.includes('/export'));
      expect(asked[0]).toBe('GET /dumps/{id}/export');
      if (writeExports) expect(asked.slice(1).every((route) => route === 'GET /dumps/{id}/exports/{exportId}') && asked.length > 1).toBe(true);
      const remoteText = readFileSync(output, 'utf8');
      if (format === 'jsonl') expect(comparable(remoteText)).toEqual(comparable(localExport.stdout));
      else expect(blankIdsAndTimes(remoteText)).toBe(blankIdsAndTimes(localExport.stdout));
    }
  });

  it('a dump the stack marks failed: the command prints its summary and the reason, and exits non-zero', async () => {
    const other = await generateDump({ outDir: join(work, 'failing'), format: 'zip', messages: 5, seed: 'cli-upload-failed', name: 'failing' });
    const upload = leakproofInBackground(
      ['upload', other.dumpPath, '--bucket', resources.bucket, '--api', gateway.url, '--part-size', String(PART_BYTES), '--poll-interval', '50', '--home', join(work, 'home-4')],
      /uploaded to s3:\/\/[^/]+\/(\S+); dump ([0-9a-f]{64})\n/,
    );
    const [, key, dumpId] = await upload.line;
    await split(await s3ObjectCreatedEventFor(emulators.s3, resources.bucket, key!), lambdaContext({ functionName: 'split' }));
    await store.markFailed(dumpId!, 'the split gave up: a test said so', new Date());
    const run = await upload.done;
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/ failed\n/);
    expect(run.stderr).toMatch(/^leakproof: the dump failed: the split gave up: a test said so$/m);
  });
});

describe('an interrupted upload', () => {
  it('resumes where it stopped: only the parts S3 does not hold are sent', async () => {
    const home = join(work, 'home-resume');
    const other = await generateDump({ outDir: join(work, 'resume'), format: 'zip', messages: 30, attachmentMinBytes: 2_000, attachmentMaxBytes: 40_000, seed: 'cli-upload-resume', name: 'resumed' });
    const parts = Math.ceil(statSync(other.dumpPath).size / PART_BYTES);
    const flags = { bucket: resources.bucket, wait: false, home, partSize: PART_BYTES };
    const quiet = [vi.spyOn(process.stdout, 'write').mockImplementation(() => true), vi.spyOn(process.stderr, 'write').mockImplementation(() => true)];
    try {
      // The connection drops after two parts have gone (one part at a time would be the same: four are in flight).
      const first = countingS3({ stopAfterParts: 2 });
      await expect(uploadCommand(other.dumpPath, flags, { s3: first.client, signal: first.signal })).resolves.toBe(130);
      const sentBefore = first.uploadParts.length;
      expect(sentBefore).toBeGreaterThanOrEqual(2);

      const second = countingS3({});
      await expect(uploadCommand(other.dumpPath, flags, { s3: second.client })).resolves.toBe(0);
      expect(second.commands.filter((name) => name === 'ListPartsCommand')).toHaveLength(1);
      expect(second.commands).not.toContain('CreateMultipartUploadCommand');
      // No part that S3 acknowledged is sent again; every part was tried by one run or the other.
      expect(second.uploadParts.length).toBeLessThanOrEqual(parts - 2);
      expect(new Set([...first.uploadParts, ...second.uploadParts]).size).toBe(parts);
      expect(second.uploadParts.filter((part) => first.completedParts.includes(part))).toEqual([]);
    } finally {
      for (const spy of quiet) spy.mockRestore();
    }
    // What S3 holds is the file: the splitter reads it as the dump.
    const key = `uploads/${(await import('node:crypto')).createHash('sha256').update(readFileSync(other.dumpPath)).digest('hex').slice(0, 16)}/${basename(other.dumpPath)}`;
    const object = await emulators.s3.send(new (await import('@aws-sdk/client-s3')).GetObjectCommand({ Bucket: resources.bucket, Key: key }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(readFileSync(other.dumpPath))).toBe(true);
  });
});

/** An S3 client for the emulator that records its commands, and can abort the run once `stopAfterParts` parts are in. */
function countingS3(options: { stopAfterParts?: number }) {
  const client = new S3Client({
    region: emulators.region,
    endpoint: emulators.endpoints.s3,
    forcePathStyle: true,
    credentials: EMULATOR_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const controller = new AbortController();
  const commands: string[] = [];
  const uploadParts: number[] = [];
  const completedParts: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(context.commandName ?? '?');
      const part = context.commandName === 'UploadPartCommand' ? (args.input as { PartNumber: number }).PartNumber : undefined;
      if (part !== undefined) uploadParts.push(part);
      const result = await next(args);
      if (part !== undefined) {
        completedParts.push(part);
        if (completedParts.length === options.stopAfterParts) controller.abort();
      }
      return result;
    },
    { step: 'initialize' },
  );
  return { client, signal: controller.signal, commands, uploadParts, completedParts };
}

/** Drains the export queue through the export function until the command is done. */
async function drainExports(done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    await drainQueue({ sqs: emulators.sqs, queueUrl: exportQueue.url, queueArn: exportQueue.arn, handler: writeExports!, context: () => lambdaContext({ functionName: 'export' }) });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Export lines compared across the two stores: the dump id (a hash of different things) and the clock differ. */
function comparable(jsonl: string) {
  return jsonl
    .trim()
    .split('\n')
    .map((line) => {
      const { dump: _dump, verifiedAt: _at, ...rest } = JSON.parse(line) as ExportRecord;
      return rest;
    });
}

function blankIdsAndTimes(csv: string): string {
  return csv.replace(/\b[0-9a-f]{64}\b/g, '<id>').replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>');
}
