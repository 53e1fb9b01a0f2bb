/**
 * S3ExportDelivery on the S3 emulator (s3rver): an export's file as a streamed multipart upload under exports/,
 * its state beside it, and a presigned GET of the file. s3rver does not check SigV4 signatures (it checks the
 * access key exists and the URL has not expired), so a signature's correctness is S3's to judge; what is checked
 * here is what the URL asks for and that it expires.
 */
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_QUEUED_MS, EXPORT_STALLED_MS, EXPORT_URL_SECONDS, exportObjectKeys, S3ExportDelivery, type StoredExportState } from '../../../../shared/adapters/aws/s3-export-delivery.ts';
import type { ExportJob } from '../../../../shared/ports/export-delivery.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators } from '../../../helpers/aws-emulators.ts';

const MIB = 2 ** 20;
const DUMP = 'e'.repeat(64);
const JSONL = 'application/x-ndjson; charset=utf-8';

let emulators: AwsEmulators;
let bucket: string;
/**
 * The S3 operations asked for, in order, each with how many bytes of lines had been produced by then. Presigning
 * runs a GetObjectCommand through the same stack, but sends nothing.
 */
const sent: { command: string; produced: number }[] = [];
let produced = 0;

beforeAll(async () => {
  emulators = await startAwsEmulators();
  bucket = (await createLeakproofResources(emulators)).bucket;
  emulators.s3.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: context.commandName ?? '?', produced });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
});
afterAll(() => emulators.stop());

/** `count` numbered lines of about `size` bytes (multi-byte UTF-8 in each), counting the bytes handed out. */
async function* lines(count: number, size = 1000, state = { finished: false }): AsyncGenerator<string> {
  try {
    for (let i = 0; i < count; i++) {
      const line = `${JSON.stringify({ n: i, text: `é…${'x'.repeat(size - 40)}` })}\n`;
      produced += Buffer.byteLength(line);
      yield line;
    }
  } finally {
    state.finished = true;
  }
}

async function collect(source: AsyncIterable<string>): Promise<Buffer> {
  const parts: string[] = [];
  for await (const line of source) parts.push(line);
  return Buffer.from(parts.join(''));
}

function keyOf(url: string): string {
  const [, inBucket, ...rest] = new URL(url).pathname.split('/');
  expect(inBucket).toBe(bucket);
  return decodeURIComponent(rest.join('/'));
}

const jobOf = (dumpId: string, format: ExportJob['format'] = 'jsonl', exportId = randomBytes(16).toString('hex')): ExportJob => ({ dumpId, exportId, format });

describe('S3ExportDelivery on the S3 emulator', () => {
  it('uploads an export of several parts as it is read, under its dump and id, and the presigned URL downloads it whole', async () => {
    sent.length = 0;
    produced = 0;
    const count = 16_500; // about 16 MiB: parts of 5, 5, 5 and 1 MiB
    const job = jobOf(DUMP);
    const delivery = new S3ExportDelivery(emulators.s3, bucket, { partSize: 5 * MIB, queueSize: 1, now: () => new Date('2025-03-03T12:00:00.000Z') });
    const reported: number[] = [];
    const bytes = await delivery.write(job, lines(count), (written) => reported.push(written));
    const { url, expiresAt } = await delivery.presign(job);
    expect(expiresAt).toBe('2025-03-03T12:15:00.000Z');

    expect(sent.map((s) => s.command)).toEqual([
      'CreateMultipartUploadCommand',
      ...Array(4).fill('UploadPartCommand'),
      'CompleteMultipartUploadCommand',
      'GetObjectCommand',
    ]);
    // Streamed: when the first part went, little more than it had been read of the 16 MiB.
    const firstPart = sent.find((s) => s.command === 'UploadPartCommand')!;
    expect(firstPart.produced).toBeLessThan(8 * MIB);
    expect(produced).toBeGreaterThan(15 * MIB);
    // Bytes reported as they were handed over, rising to the file's size.
    expect(bytes).toBe(produced);
    expect(reported.at(-1)).toBe(bytes);
    expect(reported.length).toBeGreaterThan(200);
    expect(reported.every((value, i) => i === 0 || value > reported[i - 1]!)).toBe(true);

    expect(keyOf(url)).toBe(`exports/${DUMP}/${job.exportId}.jsonl`);
    const query = new URL(url).searchParams;
    expect(query.get('X-Amz-Expires')).toBe(String(EXPORT_URL_SECONDS));
    expect(query.get('X-Amz-Date')).toBe('20250303T120000Z');

    // s3rver refuses a URL past its expiry (this one, signed "in 2025", is): presign it now instead.
    expect((await fetch(url)).status).toBe(403);
    const before = Date.now();
    const fresh = await new S3ExportDelivery(emulators.s3, bucket).presign(job);
    expect(Date.parse(fresh.expiresAt) - before).toBeGreaterThanOrEqual(EXPORT_URL_SECONDS * 1000 - 1000);
    const response = await fetch(fresh.url);
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(await collect(lines(count)))).toBe(true);
    expect(response.headers.get('content-type')).toBe(JSONL);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="leakproof-eeeeeeeeeeee.jsonl"');
    const head = await emulators.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(fresh.url) }));
    expect(head).toMatchObject({ ContentType: JSONL, ContentDisposition: 'attachment; filename="leakproof-eeeeeeeeeeee.jsonl"', ContentLength: body.length });
  });

  it('puts a small export in one request, and an empty one as an empty object', async () => {
    sent.length = 0;
    const delivery = new S3ExportDelivery(emulators.s3, bucket);
    const small = jobOf(DUMP, 'csv');
    await delivery.write(small, lines(10));
    expect(sent.map((s) => s.command)).toEqual(['PutObjectCommand']);
    const url = (await delivery.presign(small)).url;
    expect(keyOf(url)).toMatch(/\.csv$/);
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(Buffer.from(await response.arrayBuffer()).equals(await collect(lines(10)))).toBe(true);
    const empty = jobOf(DUMP);
    expect(await delivery.write(empty, lines(0))).toBe(0);
    const emptyResponse = await fetch((await delivery.presign(empty)).url);
    expect(emptyResponse.status).toBe(200);
    expect((await emptyResponse.arrayBuffer()).byteLength).toBe(0);
  });

  it('aborts the upload and leaves nothing when reading the lines fails part way', async () => {
    const dumpId = 'f'.repeat(64);
    sent.length = 0;
    async function* failing(): AsyncGenerator<string> {
      yield* lines(7000);
      throw new Error('the store went away');
    }
    const delivery = new S3ExportDelivery(emulators.s3, bucket, { partSize: 5 * MIB, queueSize: 1 });
    await expect(delivery.write(jobOf(dumpId), failing())).rejects.toThrow('the store went away');
    expect(sent.map((s) => s.command)).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'AbortMultipartUploadCommand']);
    const listed = await emulators.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `exports/${dumpId}/` }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it('stops reading the lines when the upload fails', async () => {
    const state = { finished: false };
    produced = 0;
    const delivery = new S3ExportDelivery(emulators.s3, 'no-such-bucket', { partSize: 5 * MIB, queueSize: 2 });
    await expect(delivery.write(jobOf(DUMP), lines(1_000_000, 1000, state))).rejects.toThrow(/bucket/i);
    expect(state.finished).toBe(true);
    // A few parts' worth at most, of the 1 GB it would have been.
    expect(produced).toBeLessThan(30 * MIB);
  });
});

describe("an export's state", () => {
  const T0 = Date.parse('2025-03-03T12:00:00.000Z');
  const at = (ms: number) => new Date(T0 + ms);
  const requestedAt = at(0).toISOString();

  it('is kept beside the file, read back as written, and belongs to its own dump only', async () => {
    const job = jobOf('1'.repeat(64));
    let clock = at(0);
    const delivery = new S3ExportDelivery(emulators.s3, bucket, { now: () => clock });
    expect(await delivery.state(job.dumpId, job.exportId)).toBeNull();
    await delivery.record(job, { status: 'queued', format: 'jsonl', requestedAt });
    expect(await delivery.state(job.dumpId, job.exportId)).toEqual({ status: 'queued', requestedAt });
    // The same id under another dump is no export.
    expect(await delivery.state('2'.repeat(64), job.exportId)).toBeNull();
    const head = await emulators.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: exportObjectKeys(job).state }));
    expect(head.ContentType).toBe('application/json');

    clock = at(30_000);
    await delivery.record(job, { status: 'running', format: 'jsonl', requestedAt, updatedAt: at(25_000).toISOString(), records: 10, bytes: 2048 });
    expect(await delivery.state(job.dumpId, job.exportId)).toEqual({ status: 'running', requestedAt, updatedAt: at(25_000).toISOString(), records: 10, bytes: 2048 });

    await delivery.write(job, lines(3));
    await delivery.record(job, { status: 'done', format: 'jsonl', requestedAt, finishedAt: at(40_000).toISOString(), records: 3, bytes: 3000 });
    const done = await delivery.state(job.dumpId, job.exportId);
    expect(done).toMatchObject({ status: 'done', records: 3, bytes: 3000, finishedAt: at(40_000).toISOString() });
    // A fresh URL each time it is asked: 15 minutes from now.
    expect(done!.status === 'done' && done!.download.expiresAt).toBe(at(30_000 + EXPORT_URL_SECONDS * 1000).toISOString());
    expect(done!.status === 'done' && keyOf(done!.download.url)).toBe(exportObjectKeys(job).file);
  });

  it('is failed once a running job stops writing it, or a queued one is never started', async () => {
    const stalled = jobOf('3'.repeat(64));
    const neverStarted = jobOf('3'.repeat(64));
    let clock = at(0);
    const delivery = new S3ExportDelivery(emulators.s3, bucket, { now: () => clock });
    const running: StoredExportState = { status: 'running', format: 'jsonl', requestedAt, updatedAt: at(0).toISOString(), records: 5, bytes: 500 };
    await delivery.record(stalled, running);
    await delivery.record(neverStarted, { status: 'queued', format: 'csv', requestedAt });

    clock = at(EXPORT_STALLED_MS);
    expect(await delivery.state(stalled.dumpId, stalled.exportId)).toMatchObject({ status: 'running' });
    clock = at(EXPORT_STALLED_MS + 1);
    expect(await delivery.state(stalled.dumpId, stalled.exportId)).toEqual({ status: 'failed', requestedAt, reason: expect.stringContaining('stopped without finishing') });
    expect(await delivery.state(neverStarted.dumpId, neverStarted.exportId)).toMatchObject({ status: 'queued' });

    clock = at(EXPORT_QUEUED_MS + 1);
    expect(await delivery.state(neverStarted.dumpId, neverStarted.exportId)).toEqual({ status: 'failed', requestedAt, reason: expect.stringContaining('not started') });
  });
});
