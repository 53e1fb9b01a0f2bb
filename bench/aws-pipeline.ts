/**
 * npm run bench:aws [-- --size 1g] [--format zip|mbox] [--workers 4] [--dump PATH --keys PATH]
 *
 * (--size is the generated dump's size; `npm run generate` and bench:fanout take the messages' total instead.)
 *
 * A generated dump (≥ 1 GB by default) through the AWS pipeline on the emulators, as test/e2e/aws-pipeline.test.ts
 * runs it: the dump put into S3 (s3rver), the splitter handler on its S3 event and on its continuations, the
 * work queue (fauxqs) drained by `--workers` worker invocations at a time, verdicts into DynamoDB (dynalite).
 * DynamoDB is reached through an observing proxy (test/helpers/fault-injection.ts, no faults) that counts every
 * write by the partition it lands on, table and index alike, because a partition takes at most 1,000 writes a
 * second in AWS whatever the table's capacity.
 *
 * Reports: the dump's size and entries, jobs, items written, the largest share of writes on one partition key
 * (overall and per table or index), and wall time for each stage. The emulators' speed is not AWS's: wall time
 * says how long this run took on this machine, the shares say how the writes spread.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoKeyArchive } from '../shared/adapters/aws/dynamo-key-archive.ts';
import { DynamoVerdictStore } from '../shared/adapters/aws/dynamo-verdict-store.ts';
import { UPLOADS_PREFIX } from '../shared/adapters/aws/settings.ts';
import { parseByteSize } from '../tools/generator/byte-size.ts';
import { generateDump } from '../tools/generator/generate-dump.ts';
import { importKeyFile } from '../shared/keys/key-import.ts';
import { createLeakproofResources, startAwsEmulators } from '../test/helpers/aws-emulators.ts';
import { drainQueue, type DrainQueueResult, type SqsHandler } from '../test/helpers/event-source-mapping.ts';
import { countWritesByPartition, startFaultProxy, type KeySchemas } from '../test/helpers/fault-injection.ts';
import { lambdaContext, s3ObjectCreatedEventFor } from '../test/helpers/lambda-events.ts';

/** A generated zip's size over its messages' total size, measured on the 1 GB dump (753 MB of zip for 1 GB of mail). */
const ZIP_SHARE_OF_MESSAGE_BYTES = 0.74;

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1g' },
    format: { type: 'string', default: 'zip' },
    workers: { type: 'string', default: '4' },
    dump: { type: 'string' },
    keys: { type: 'string' },
  },
});
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error(`--workers must be 1..64, not ${values.workers}`);

const scratch = await mkdtemp(join(tmpdir(), 'leakproof-bench-aws-'));
const emulators = await startAwsEmulators();
const proxy = await startFaultProxy(emulators.endpoints.dynamodb);
const seconds = (since: number) => (performance.now() - since) / 1000;
try {
  let dumpPath = values.dump === undefined ? undefined : resolve(values.dump);
  let keysPath = values.keys === undefined ? undefined : resolve(values.keys);
  let started = performance.now();
  if (dumpPath === undefined) {
    const format = values.format === 'mbox' ? 'mbox' : 'zip';
    console.log(`generating a ~${values.size} ${format} dump…`);
    // --size is the dump's: a zip holds about 0.74 of its messages' bytes (their text deflates, attachments do not).
    const targetBytes = Math.ceil(parseByteSize(values.size) / (format === 'zip' ? ZIP_SHARE_OF_MESSAGE_BYTES : 1));
    ({ dumpPath, keysPath } = await generateDump({ outDir: join(scratch, 'dump'), format, targetBytes, seed: 'bench-aws' }));
  }
  const generateSeconds = seconds(started);
  const dumpBytes = (await stat(dumpPath)).size;

  const resources = await createLeakproofResources(emulators, { maxReceiveCount: 5, visibilityTimeoutSeconds: 900 });
  Object.assign(process.env, resources.env, {
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_METRICS_NAMESPACE: 'Leakproof',
    POWERTOOLS_SERVICE_NAME: 'leakproof',
  });
  const tables = [resources.dumpsTable, resources.verdictsTable, resources.postingsTable, resources.keysTable];
  const writes = countWritesByPartition(await keySchemasOf(tables));
  proxy.observers.add(writes.observe);

  const db = DynamoDBDocumentClient.from(emulators.dynamodb);
  if (keysPath) await importKeyFile(keysPath, new DynamoKeyArchive(db, resources.keysTable));
  writes.counts.clear(); // the key import is not the pipeline's

  started = performance.now();
  const key = `${UPLOADS_PREFIX}${basename(dumpPath)}`;
  await emulators.s3.send(new PutObjectCommand({ Bucket: resources.bucket, Key: key, Body: createReadStream(dumpPath), ContentLength: dumpBytes }));
  const uploadSeconds = seconds(started);

  const { handler: split } = (await import('../functions/split.ts')) as { handler: (event: S3Event | SQSEvent, context: Context) => Promise<void> };
  const { handler: verify } = (await import('../functions/verify.ts')) as { handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> };
  const context = (functionName: string) => () => lambdaContext({ functionName });
  const drain = (queueUrl: string, queueArn: string, handler: SqsHandler, batchSize: number, functionName: string) =>
    drainQueue({ sqs: emulators.sqs, queueUrl, queueArn, handler, batchSize, context: context(functionName), maxRounds: 1_000_000, settleTimeoutMs: 900_000 });

  console.log(`splitting ${(dumpBytes / 1e6).toFixed(0)} MB…`);
  started = performance.now();
  await split(await s3ObjectCreatedEventFor(emulators.s3, resources.bucket, key), lambdaContext({ functionName: 'split' }));
  const legs = await drain(resources.splitQueueUrl, resources.splitQueueArn, split, 1, 'split');
  const splitSeconds = seconds(started);

  console.log(`verifying with ${workers} concurrent worker invocations…`);
  started = performance.now();
  const drained = await Promise.all(Array.from({ length: workers }, () => drain(resources.workQueueUrl, resources.workQueueArn, verify, 10, 'verify')));
  const verifySeconds = seconds(started);
  const dead = await drain(resources.deadLetterQueueUrl, resources.deadLetterQueueArn, async () => ({ batchItemFailures: [] }), 10, 'dead-letter');

  const store = new DynamoVerdictStore(db, { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable });
  const [dump] = await store.listDumps();
  const counts = dump ? await store.counts(dump.id) : null;
  const jobs = sum(drained, (result) => result.succeeded.length);

  const rows: [string, string][] = [
    ['dump', `${basename(dumpPath)}: ${(dumpBytes / 1e6).toFixed(0)} MB, ${counts?.located ?? '?'} entries (${counts?.messages ?? '?'} messages, ${counts?.skipped ?? '?'} skipped, ${counts?.errors ?? '?'} errors), status ${counts?.status ?? 'missing'}`],
    ['jobs', `${jobs} (${sum(drained, (r) => r.deliveries)} deliveries, ${sum(drained, (r) => r.failures)} failed, ${dead.deliveries} set aside); split in ${1 + legs.invocations} leg(s)`],
    ['writes', describeWrites(writes.counts)],
    ['wall time', `${(splitSeconds + verifySeconds).toFixed(1)} s split + verify (split ${splitSeconds.toFixed(1)} s, ${workers} workers ${verifySeconds.toFixed(1)} s = ${(dumpBytes / 1e6 / (splitSeconds + verifySeconds)).toFixed(1)} MB/s); upload ${uploadSeconds.toFixed(1)} s, generate ${generateSeconds.toFixed(1)} s`],
  ];
  console.log(`\nbench:aws — Node ${process.version}, emulators: s3rver, fauxqs, dynalite (in memory)`);
  for (const [name, text] of rows) console.log(`${name.padEnd(10)} ${text}`);
  console.log(hottestTable(writes.counts));
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (this process: handlers, dynalite and fauxqs together)`);
  if (counts?.status !== 'complete' || dead.deliveries > 0) process.exitCode = 1;
} finally {
  await proxy.stop();
  await emulators.stop();
  await rm(scratch, { recursive: true, force: true });
}

/** The partition keys of each table and of its indexes, as the emulator reports them. */
async function keySchemasOf(tableNames: string[]): Promise<KeySchemas> {
  const schemas: KeySchemas = {};
  for (const name of tableNames) {
    const { Table } = await emulators.dynamodb.send(new DescribeTableCommand({ TableName: name }));
    const hash = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) => schema!.find((key) => key.KeyType === 'HASH')!.AttributeName!;
    schemas[name] = {
      partitionKey: hash(Table!.KeySchema),
      indexes: (Table!.GlobalSecondaryIndexes ?? []).map((index) => ({ name: index.IndexName!, partitionKey: hash(index.KeySchema) })),
    };
  }
  return schemas;
}

function sum(results: DrainQueueResult[], of: (result: DrainQueueResult) => number): number {
  return results.reduce((total, result) => total + of(result), 0);
}

/** Writes in all, and the partition key that took the most of them (a table's or an index's). */
function describeWrites(counts: Map<string, Map<string, number>>): string {
  let total = 0;
  let hottest = { where: '', key: '', writes: 0 };
  for (const [where, partitions] of counts) {
    for (const [key, n] of partitions) {
      total += n;
      if (n > hottest.writes) hottest = { where, key, writes: n };
    }
  }
  return `${total} item writes (tables and indexes); the largest share on one partition key: ${percent(hottest.writes, total)} (${hottest.writes} on ${shortName(hottest.where)} ${abbreviate(hottest.key)})`;
}

/** Per table and index: its writes, its partitions, its hottest partition's share of its writes. */
function hottestTable(counts: Map<string, Map<string, number>>): string {
  const lines = [...counts].map(([where, partitions]) => {
    const writes = [...partitions.values()].reduce((a, b) => a + b, 0);
    const [key, most] = [...partitions].reduce((a, b) => (b[1] > a[1] ? b : a));
    return `  ${shortName(where).padEnd(22)} ${String(writes).padStart(9)} writes over ${String(partitions.size).padStart(6)} partition keys; hottest ${percent(most, writes).padStart(6)} (${abbreviate(key)})`;
  });
  return ['per table / index:', ...lines.sort()].join('\n');
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0 %' : `${((100 * part) / whole).toFixed(1)} %`;
}

/** "leakproof-verdicts-<suffix>/byVerdict" → "verdicts/byVerdict". */
function shortName(where: string): string {
  return where.replace(/^leakproof-([a-z]+)-[^/]+/, '$1');
}

/** A key value, marshalled, shortened for a table: ids are long. */
function abbreviate(key: string): string {
  const text = key.replace(/^\{"S":"(.*)"\}$/, '$1');
  return text.length > 40 ? `${text.slice(0, 18)}…${text.slice(-18)}` : text;
}
