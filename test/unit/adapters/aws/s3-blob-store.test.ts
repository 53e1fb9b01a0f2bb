import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../../../shared/adapters/aws/s3-blob-store.ts';
import { createLeakproofResources, EMULATOR_CREDENTIALS, EMULATOR_REGION, startAwsEmulators, type AwsEmulators } from '../../../helpers/aws-emulators.ts';
import { startFaultProxy } from '../../../helpers/fault-injection.ts';

let emulators: AwsEmulators;
let blobs: S3BlobStore;
let bucket: string;
const BYTES = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31) % 251));

beforeAll(async () => {
  emulators = await startAwsEmulators();
  bucket = (await createLeakproofResources(emulators)).bucket;
  blobs = new S3BlobStore(emulators.s3, bucket);
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

  it('fetches a body that breaks off part way again from where it broke, and says so after five breaks', async () => {
    const proxy = await startFaultProxy(emulators.endpoints.s3);
    const s3 = new S3Client({ region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, endpoint: proxy.endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    const broken = new S3BlobStore(s3, bucket);
    try {
      // The first two answers to every GET break half way; a read asks for the rest, from the same version.
      const gets: string[] = [];
      proxy.rule = (request) => {
        if (request.method !== 'GET') return { kind: 'forward' };
        gets.push(`${request.headers.range} ${request.headers['if-match'] ?? ''}`);
        return gets.length % 3 === 0 ? { kind: 'forward' } : { kind: 'cut-body' };
      };
      expect(await broken.readRange('uploads/data.bin', 1000, 2_001_000)).toEqual(BYTES.subarray(1000, 2_001_000));
      expect(gets).toHaveLength(3);
      expect(gets[0]).toBe('bytes=1000-2000999 ');
      expect(gets[2]).toMatch(/^bytes=\d+-2000999 ".+"$/);
      const chunks: Buffer[] = [];
      for await (const chunk of broken.stream('uploads/data.bin')) chunks.push(chunk);
      expect(Buffer.concat(chunks)).toEqual(BYTES);

      proxy.rule = (request) => (request.method === 'GET' ? { kind: 'cut-body' } : { kind: 'forward' });
      await expect(broken.readRange('uploads/data.bin', 0, BYTES.length)).rejects.toThrow(/^cannot read s3:\/\/.*data\.bin: .*\(the answer broke off 5 times\)$/);
    } finally {
      s3.destroy();
      await proxy.stop();
    }
  });
});
