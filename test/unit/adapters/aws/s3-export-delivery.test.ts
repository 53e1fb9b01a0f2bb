/**
 * S3ExportDelivery on the S3 emulator (s3rver): a streamed multipart upload under exports/, then a presigned GET.
 * s3rver does not check SigV4 signatures (it checks the access key exists and the URL has not expired), so a
 * signature's correctness is S3's to judge; what is checked here is what the URL asks for and that it expires.
 */
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_URL_SECONDS, S3ExportDelivery } from '../../../../shared/adapters/aws/s3-export-delivery.ts';
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

describe('S3ExportDelivery on the S3 emulator', () => {
  it('uploads an export of several parts as it is read, and the presigned URL downloads it whole', async () => {
    sent.length = 0;
    produced = 0;
    const count = 16_500; // about 16 MiB: parts of 5, 5, 5 and 1 MiB
    const delivery = new S3ExportDelivery(emulators.s3, bucket, { partSize: 5 * MIB, queueSize: 1, now: () => new Date('2025-03-03T12:00:00.000Z') });
    const before = Date.now();
    const { url, expiresAt } = await delivery.deliver({ dumpId: DUMP, format: 'jsonl' }, lines(count), JSONL, 'leakproof-eeeeeeeeeeee.jsonl');
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

    const key = keyOf(url);
    expect(key).toMatch(new RegExp(`^exports/${DUMP}/20250303T120000\\.000Z-[0-9a-f]{16}\\.jsonl$`));
    const query = new URL(url).searchParams;
    expect(query.get('X-Amz-Expires')).toBe(String(EXPORT_URL_SECONDS));
    expect(query.get('X-Amz-Date')).toBe('20250303T120000Z');

    // s3rver refuses a URL past its expiry (this one, signed "in 2025", is): fetch it as signed now instead.
    expect((await fetch(url)).status).toBe(403);
    const fresh = await new S3ExportDelivery(emulators.s3, bucket).deliver({ dumpId: DUMP, format: 'jsonl' }, lines(count), JSONL, 'leakproof-eeeeeeeeeeee.jsonl');
    expect(Date.parse(fresh.expiresAt) - before).toBeGreaterThanOrEqual(EXPORT_URL_SECONDS * 1000);
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
    const small = await delivery.deliver({ dumpId: DUMP, format: 'csv' }, lines(10), 'text/csv; charset=utf-8', 'leakproof-eeeeeeeeeeee.csv');
    expect(sent.map((s) => s.command)).toEqual(['PutObjectCommand', 'GetObjectCommand']);
    expect(keyOf(small.url)).toMatch(/\.csv$/);
    expect(Buffer.from(await (await fetch(small.url)).arrayBuffer()).equals(await collect(lines(10)))).toBe(true);
    const empty = await delivery.deliver({ dumpId: DUMP, format: 'jsonl' }, lines(0), JSONL, 'leakproof-eeeeeeeeeeee.jsonl');
    const response = await fetch(empty.url);
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it('aborts the upload and leaves nothing when reading the lines fails part way', async () => {
    const dumpId = 'f'.repeat(64);
    sent.length = 0;
    async function* failing(): AsyncGenerator<string> {
      yield* lines(7000);
      throw new Error('the store went away');
    }
    const delivery = new S3ExportDelivery(emulators.s3, bucket, { partSize: 5 * MIB, queueSize: 1 });
    await expect(delivery.deliver({ dumpId, format: 'jsonl' }, failing(), JSONL, 'x.jsonl')).rejects.toThrow('the store went away');
    expect(sent.map((s) => s.command)).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'AbortMultipartUploadCommand']);
    const listed = await emulators.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `exports/${dumpId}/` }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it('stops reading the lines when the upload fails', async () => {
    const state = { finished: false };
    produced = 0;
    const delivery = new S3ExportDelivery(emulators.s3, 'no-such-bucket', { partSize: 5 * MIB, queueSize: 2 });
    await expect(delivery.deliver({ dumpId: DUMP, format: 'jsonl' }, lines(1_000_000, 1000, state), JSONL, 'x.jsonl')).rejects.toThrow(/bucket/i);
    expect(state.finished).toBe(true);
    // A few parts' worth at most, of the 1 GB it would have been.
    expect(produced).toBeLessThan(30 * MIB);
  });
});
