/**
 * The resumable multipart upload on the S3 emulator (s3rver, with the ListParts it lacks added by
 * test/helpers/aws-emulators.ts). Parts here are 256 KiB: s3rver, unlike S3, takes parts under 5 MiB.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PART_BYTES,
  MAX_PARTS,
  partSizeFor,
  uploadResumably,
  type FileToUpload,
  type UploadState,
  type UploadStateStore,
} from '../../../../shared/adapters/aws/s3-resumable-upload.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators } from '../../../helpers/aws-emulators.ts';

const PART = 256 * 1024;
const MIB = 2 ** 20;
let emulators: AwsEmulators;
let bucket: string;
const work = mkdtempSync(join(tmpdir(), 'leakproof-upload-'));

beforeAll(async () => {
  emulators = await startAwsEmulators();
  bucket = (await createLeakproofResources(emulators)).bucket;
});
afterAll(async () => {
  await emulators?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A file of `size` random bytes, described as the command describes it. */
function fileOf(name: string, size: number): { file: FileToUpload; bytes: Buffer } {
  const bytes = randomBytes(size);
  const path = join(work, name);
  writeFileSync(path, bytes);
  const info = statSync(path);
  return { bytes, file: { path, size, mtimeMs: info.mtimeMs, sha256: createHash('sha256').update(bytes).digest('hex') } };
}

function memoryState(): UploadStateStore & { saved: UploadState | null } {
  return {
    saved: null,
    async load() {
      return this.saved;
    },
    async save(state) {
      this.saved = state;
    },
    async remove() {
      this.saved = null;
    },
  };
}

/**
 * An S3 client for the emulator that counts the commands it sends, and can make the nth UploadPart fail (the
 * network dropping, the user's Ctrl-C) or run something before it.
 */
function countingClient(options: { failUploadPart?: number; beforeUploadPart?: (n: number) => void } = {}) {
  const client = new S3Client({
    region: emulators.region,
    endpoint: emulators.endpoints.s3,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const sent: Record<string, number> = {};
  const parts: number[] = [];
  /** Per UploadPart: whether it carried the SHA-256 of its body (S3 checks it on receipt). */
  const checksums: boolean[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      if (name === 'UploadPartCommand') {
        const n = (sent[name] ?? 0) + 1;
        options.beforeUploadPart?.(n);
        if (n === options.failUploadPart) {
          sent[name] = n;
          throw Object.assign(new Error('connection reset'), { name: 'NetworkError' });
        }
        const input = args.input as { PartNumber: number; Body: Buffer; ChecksumSHA256?: string };
        parts.push(input.PartNumber);
        checksums.push(input.ChecksumSHA256 === createHash('sha256').update(input.Body).digest('base64'));
      }
      sent[name] = (sent[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize' },
  );
  return { client, sent, parts, checksums };
}

async function objectBytes(key: string): Promise<Buffer> {
  const object = await emulators.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

describe('uploadResumably on the S3 emulator', () => {
  it('sends a file in parallel parts with their checksums and the whole SHA-256 as metadata, then forgets its state', async () => {
    const { file, bytes } = fileOf('whole.bin', 3 * PART + 17);
    const key = 'uploads/t/whole.bin';
    const state = memoryState();
    const saves: UploadState[] = [];
    const recording = { ...state, save: async (s: UploadState) => void saves.push(s), load: async () => null, remove: async () => {} };
    const { client, sent, checksums } = countingClient();
    const progress: number[] = [];
    const outcome = await uploadResumably(client, file, { bucket, key }, { state: recording, partSize: PART, onProgress: ({ bytes }) => progress.push(bytes) });

    expect(outcome).toEqual({ partsSent: 4, partsKept: 0, resumed: false });
    expect(sent).toEqual({ CreateMultipartUploadCommand: 1, UploadPartCommand: 4, CompleteMultipartUploadCommand: 1 });
    expect(checksums).toEqual([true, true, true, true]);
    expect((await objectBytes(key)).equals(bytes)).toBe(true);
    const head = await emulators.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.Metadata).toMatchObject({ sha256: file.sha256 });
    // The state was saved before the first part went, with what a resume must match.
    expect(saves).toEqual([{ version: 1, bucket, key, uploadId: expect.stringMatching(/^[0-9a-f]+$/), partSize: PART, size: file.size, sha256: file.sha256 }]);
    expect(progress.at(-1)).toBe(file.size);
  });

  it('resumes an interrupted upload: lists the parts S3 holds and sends only the others', async () => {
    const { file, bytes } = fileOf('resumed.bin', 6 * PART + 5);
    const key = 'uploads/t/resumed.bin';
    const state = memoryState();
    // One part at a time, so that exactly two are held when the third fails.
    const first = countingClient({ failUploadPart: 3 });
    await expect(uploadResumably(first.client, file, { bucket, key }, { state, partSize: PART, queueSize: 1 })).rejects.toThrow('connection reset');
    expect(first.parts).toEqual([1, 2]);
    expect(state.saved).not.toBeNull();

    const second = countingClient();
    const outcome = await uploadResumably(second.client, file, { bucket, key }, { state, partSize: PART });
    expect(outcome).toEqual({ partsSent: 5, partsKept: 2, resumed: true });
    expect(second.sent).toEqual({ ListPartsCommand: 1, UploadPartCommand: 5, CompleteMultipartUploadCommand: 1 });
    expect(second.parts.sort()).toEqual([3, 4, 5, 6, 7]);
    expect((await objectBytes(key)).equals(bytes)).toBe(true);
    expect(state.saved).toBeNull();
  });

  it('sends again a held part whose checksum is not the file’s', async () => {
    const { file, bytes } = fileOf('mended.bin', 3 * PART);
    const key = 'uploads/t/mended.bin';
    const state = memoryState();
    const first = countingClient({ failUploadPart: 3 });
    await expect(uploadResumably(first.client, file, { bucket, key }, { state, partSize: PART, queueSize: 1 })).rejects.toThrow();
    // Part 2 replaced by other bytes of the same size.
    await emulators.s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: state.saved!.uploadId, PartNumber: 2, Body: randomBytes(PART) }));

    const second = countingClient();
    const outcome = await uploadResumably(second.client, file, { bucket, key }, { state, partSize: PART });
    expect(outcome).toMatchObject({ partsSent: 2, partsKept: 1 });
    expect(second.parts.sort()).toEqual([2, 3]);
    expect((await objectBytes(key)).equals(bytes)).toBe(true);
  });

  it('starts again when the saved upload is for other bytes, or is gone', async () => {
    const { file, bytes } = fileOf('other.bin', 2 * PART + 1);
    const key = 'uploads/t/other.bin';
    const state = memoryState();
    state.saved = { version: 1, bucket, key, uploadId: 'abc123', partSize: PART, size: file.size, sha256: '0'.repeat(64) };
    const stale = countingClient();
    expect(await uploadResumably(stale.client, file, { bucket, key }, { state, partSize: PART })).toMatchObject({ resumed: false, partsSent: 3 });
    expect(stale.sent.ListPartsCommand).toBeUndefined();

    // The same bytes, but its upload was aborted (or expired: the bucket aborts them after 7 days).
    state.saved = { version: 1, bucket, key, uploadId: 'abcdef0123456789', partSize: PART, size: file.size, sha256: file.sha256 };
    const gone = countingClient();
    expect(await uploadResumably(gone.client, file, { bucket, key }, { state, partSize: PART })).toMatchObject({ resumed: false, partsSent: 3 });
    expect(gone.sent).toMatchObject({ ListPartsCommand: 1, CreateMultipartUploadCommand: 1 });
    expect((await objectBytes(key)).equals(bytes)).toBe(true);
  });

  it('refuses to complete when the file changed while it was sent', async () => {
    const { file } = fileOf('changing.bin', 3 * PART);
    const key = 'uploads/t/changing.bin';
    const state = memoryState();
    const touching = countingClient({ beforeUploadPart: (n) => n === 2 && utimesSync(file.path, new Date(), new Date(Date.now() + 60_000)) });
    await expect(uploadResumably(touching.client, file, { bucket, key }, { state, partSize: PART, queueSize: 1 })).rejects.toThrow(/file changed while it was being uploaded/);
    expect(touching.sent.CompleteMultipartUploadCommand).toBeUndefined();
    expect(state.saved).toBeNull();
    await expect(emulators.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({ name: 'NotFound' });
  });
});

describe('partSizeFor', () => {
  it('is 8 MiB up to 10,000 parts of it (~78 GiB), then the fewest whole MiB that fit in 10,000 parts', () => {
    expect(partSizeFor(20e9)).toBe(DEFAULT_PART_BYTES); // 2,385 parts
    expect(Math.ceil(20e9 / partSizeFor(20e9))).toBe(2385);
    expect(partSizeFor(MAX_PARTS * 8 * MIB)).toBe(8 * MIB);
    expect(partSizeFor(MAX_PARTS * 8 * MIB + 1)).toBe(9 * MIB);
    const fiveTerabytes = 5 * 2 ** 40; // S3's largest object
    expect(Math.ceil(fiveTerabytes / partSizeFor(fiveTerabytes))).toBeLessThanOrEqual(MAX_PARTS);
    expect(partSizeFor(1000, 64 * MIB)).toBe(64 * MIB);
  });
});
