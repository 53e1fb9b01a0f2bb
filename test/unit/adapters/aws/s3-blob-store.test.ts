import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../../../shared/adapters/aws/s3-blob-store.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators } from '../../../helpers/aws-emulators.ts';

let emulators: AwsEmulators;
let blobs: S3BlobStore;
const BYTES = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31) % 251));

beforeAll(async () => {
  emulators = await startAwsEmulators();
  blobs = new S3BlobStore(emulators.s3, (await createLeakproofResources(emulators)).bucket);
  await blobs.put('uploads/data.bin', BYTES);
});
afterAll(() => emulators.stop());

describe('S3BlobStore on the S3 emulator', () => {
  it('reads ranges, the end of an object short, and past its end nothing', async () => {
    expect(await blobs.head('uploads/data.bin')).toEqual({ size: BYTES.length, etag: expect.stringMatching(/^".+"$/) });
    expect(await blobs.readRange('uploads/data.bin', 1000, 1010)).toEqual(BYTES.subarray(1000, 1010));
    expect(await blobs.readRange('uploads/data.bin', BYTES.length - 5, BYTES.length + 100)).toEqual(BYTES.subarray(-5));
    expect(await blobs.readRange('uploads/data.bin', BYTES.length, BYTES.length + 10)).toEqual(Buffer.alloc(0));
    expect(await blobs.readRange('uploads/data.bin', 0, 1)).toEqual(BYTES.subarray(0, 1));
  });

  it('streams an object from an offset', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of blobs.stream('uploads/data.bin', 2_000_000)) chunks.push(chunk);
    expect(Buffer.concat(chunks)).toEqual(BYTES.subarray(2_000_000));
  });

  it('names a missing object in one line', async () => {
    await expect(blobs.head('uploads/missing.zip')).rejects.toThrow(/^cannot read s3:\/\/leakproof-[^ ]+\/uploads\/missing\.zip: /);
    await expect(blobs.readRange('uploads/missing.zip', 0, 10)).rejects.toThrow(/cannot read s3:\/\/.*missing\.zip: .*NoSuchKey|not exist/i);
  });
});
