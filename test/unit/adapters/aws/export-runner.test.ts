/**
 * runExport on the S3 emulator (s3rver): an export job taking its export from queued to done or failed, the
 * state beside the file telling the API how far it got. The store is a stand-in yielding records (the DynamoDB
 * store's exportRecords is tested with the store; the whole path, API to download, in the route suite).
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport, STOP_BEFORE_END_MS } from '../../../../shared/adapters/aws/export-runner.ts';
import { EXPORT_STALLED_MS, S3ExportDelivery, type StoredExportState } from '../../../../shared/adapters/aws/s3-export-delivery.ts';
import { exportLines } from '../../../../shared/pipeline/export-lines.ts';
import type { ExportJob } from '../../../../shared/ports/export-delivery.ts';
import type { ExportRecord, VerdictStore } from '../../../../shared/ports/verdict-store.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators } from '../../../helpers/aws-emulators.ts';

let emulators: AwsEmulators;
let bucket: string;

beforeAll(async () => {
  emulators = await startAwsEmulators();
  bucket = (await createLeakproofResources(emulators)).bucket;
});
afterAll(() => emulators.stop());

const DUMP = 'd'.repeat(64);
const LONG_TIME = () => 15 * 60_000;

function record(i: number): ExportRecord {
  return {
    dump: DUMP, locator: `inbox/${String(i).padStart(5, '0')}.eml`, sha256: 'a'.repeat(64), messageId: `<${i}@example.test>`, from: 'Alice <alice@example.test>',
    date: '2024-01-01T00:00:00.000Z', subject: `=HYPERLINK("x") ${i}`, verdict: 'verified', reasons: [], detail: null, verifiedAt: '2025-01-01T00:00:00.000Z',
    signatures: [], rulesVersion: 1, history: [], arc: null, forensics: null, to: null, cc: null, unsignedShown: [],
  };
}

/** A store whose export yields `count` records, waiting `delayMs` before each, then failing if told to. */
function storeOf(count: number, options: { delayMs?: number; failAfter?: number } = {}) {
  const pulled = { records: 0 };
  const store = {
    async *exportRecords(dumpId: string) {
      expect(dumpId).toBe(DUMP);
      for (let i = 0; i < count; i++) {
        if (options.failAfter === i) throw new Error('ProvisionedThroughputExceededException on leakproof-verdicts-prod');
        if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        pulled.records++;
        yield record(i);
      }
    },
  } as unknown as VerdictStore;
  return { store, pulled };
}

async function text(source: AsyncIterable<string>): Promise<string> {
  let all = '';
  for await (const line of source) all += line;
  return all;
}

async function* recordsOf(count: number): AsyncGenerator<ExportRecord> {
  for (let i = 0; i < count; i++) yield record(i);
}

/** A queued export, as the API leaves it; and a delivery that keeps every state it records. */
async function queued(format: ExportJob['format'] = 'csv') {
  const job: ExportJob = { dumpId: DUMP, exportId: randomBytes(16).toString('hex'), format };
  const delivery = new S3ExportDelivery(emulators.s3, bucket);
  const states: StoredExportState[] = [];
  const record = delivery.record.bind(delivery);
  delivery.record = async (recorded, state) => {
    states.push(state);
    await record(recorded, state);
  };
  await delivery.record(job, { status: 'queued', format, requestedAt: new Date().toISOString() });
  return { job, delivery, states };
}

async function download(delivery: S3ExportDelivery, job: ExportJob): Promise<string> {
  const state = await delivery.state(job.dumpId, job.exportId);
  if (state?.status !== 'done') throw new Error(`not done: ${JSON.stringify(state)}`);
  return (await fetch(state.download.url)).text();
}

describe('runExport', () => {
  it('writes the export as `leakproof export` would, and leaves it done with its counts', async () => {
    const { job, delivery, states } = await queued('csv');
    const { store } = storeOf(2500);
    expect(await runExport(job, { store, delivery, remainingMs: LONG_TIME })).toBe('done');
    const expected = await text(exportLines(recordsOf(2500), 'csv'));
    expect(await download(delivery, job)).toBe(expected);
    expect(states.map((state) => state.status)).toEqual(['queued', 'running', 'done']);
    expect(states.at(-1)).toMatchObject({ status: 'done', records: 2500, bytes: Buffer.byteLength(expected) });
  });

  it('rewrites the state with its progress while it runs, however slowly the store answers', async () => {
    const { job, delivery, states } = await queued('jsonl');
    const { store } = storeOf(40, { delayMs: 10 });
    expect(await runExport(job, { store, delivery, remainingMs: LONG_TIME, heartbeatMs: 50 })).toBe('done');
    const beats = states.filter((state) => state.status === 'running');
    expect(beats.length).toBeGreaterThanOrEqual(4);
    const counts = beats.map((state) => (state.status === 'running' ? state.records : -1));
    expect(counts[0]).toBe(0);
    expect(Math.max(...counts)).toBeGreaterThan(0);
    expect(counts.every((value, i) => i === 0 || value >= counts[i - 1]!)).toBe(true);
    expect(states.at(-1)).toMatchObject({ status: 'done', records: 40 });
  });

  it('is written once when its job is delivered again: a done, failed or running export is left alone', async () => {
    const { job, delivery, states } = await queued('jsonl');
    const { store, pulled } = storeOf(10);
    expect(await runExport(job, { store, delivery, remainingMs: LONG_TIME })).toBe('done');
    expect(await runExport(job, { store, delivery, remainingMs: LONG_TIME })).toBe('skipped');
    expect(pulled.records).toBe(10);
    expect(states.map((state) => state.status)).toEqual(['queued', 'running', 'done']);

    // Another delivery running it right now (its state fresh), or one that died (stale: failed): not started again.
    const running = await queued('jsonl');
    await running.delivery.record(running.job, { status: 'running', format: 'jsonl', requestedAt: new Date().toISOString(), updatedAt: new Date().toISOString(), records: 3, bytes: 300 });
    expect(await runExport(running.job, { store, delivery: running.delivery, remainingMs: LONG_TIME })).toBe('skipped');
    const dead = await queued('jsonl');
    const longAgo = new Date(Date.now() - EXPORT_STALLED_MS - 1000).toISOString();
    await dead.delivery.record(dead.job, { status: 'running', format: 'jsonl', requestedAt: longAgo, updatedAt: longAgo, records: 3, bytes: 300 });
    expect(await runExport(dead.job, { store, delivery: dead.delivery, remainingMs: LONG_TIME })).toBe('skipped');
    expect(pulled.records).toBe(10);
    // An export nobody asked for (no state) is not written either.
    const unknown: ExportJob = { dumpId: DUMP, exportId: randomBytes(16).toString('hex'), format: 'csv' };
    expect(await runExport(unknown, { store, delivery, remainingMs: LONG_TIME })).toBe('skipped');
  });

  it('stops before the function would be stopped, aborts the upload and says so', async () => {
    const { job, delivery } = await queued('jsonl');
    const { store, pulled } = storeOf(100_000);
    // Time runs out as the 1,000th record is read: 999 were written.
    const remainingMs = () => (pulled.records < 1000 ? 10 * 60_000 : STOP_BEFORE_END_MS - 1);
    const logged: unknown[] = [];
    expect(await runExport(job, { store, delivery, remainingMs, log: (error) => logged.push(error) })).toBe('failed');
    expect(await delivery.state(job.dumpId, job.exportId)).toMatchObject({ status: 'failed', reason: expect.stringContaining('did not fit in one run of the export function (999 records') });
    expect(pulled.records).toBe(1000);
    expect(logged).toEqual([]);
    const listed = await emulators.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `exports/${DUMP}/${job.exportId}` }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([`exports/${DUMP}/${job.exportId}.state.json`]);
  });

  it('records a failure of the store as failed, without its message, which goes to the log', async () => {
    const { job, delivery } = await queued('csv');
    const { store } = storeOf(100, { failAfter: 50 });
    const logged: unknown[] = [];
    expect(await runExport(job, { store, delivery, remainingMs: LONG_TIME, log: (error) => logged.push(error) })).toBe('failed');
    const state = await delivery.state(job.dumpId, job.exportId);
    expect(state).toMatchObject({ status: 'failed', reason: expect.stringContaining("the cause is in the export function's log") });
    expect(JSON.stringify(state)).not.toContain('leakproof-verdicts-prod');
    expect((logged[0] as Error).message).toContain('ProvisionedThroughputExceededException');
  });
});
