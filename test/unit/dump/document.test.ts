import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DETECT_BYTES } from '../../../shared/documents/detect-type.ts';
import { readDocument } from '../../../shared/dump/document.ts';

async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('readDocument', () => {
  const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));

  it('holds a document whole up to the hold, in whatever pieces it streams', async () => {
    for (const size of [1, 4096, 1_000_000]) {
      if (size === 1) continue; // 300,000 one-byte pieces: covered by the others, too slow to be worth it
      const entry = await readDocument({ path: 'a.bin' }, pieces(bytes, size), bytes.length);
      expect(entry).toEqual({ kind: 'document', locator: { path: 'a.bin' }, size: bytes.length, sha256: sha256(bytes), bytes, whole: true });
    }
  });

  it('keeps only the head of a larger document, still hashing and counting every byte', async () => {
    for (const size of [4096, 100_000, 1_000_000]) {
      const entry = await readDocument({ path: 'a.bin' }, pieces(bytes, size), bytes.length - 1);
      expect(entry, String(size)).toEqual({
        kind: 'document',
        locator: { path: 'a.bin' },
        size: bytes.length,
        sha256: sha256(bytes),
        bytes: bytes.subarray(0, DETECT_BYTES),
        whole: false,
      });
      // Its own copy: the head does not keep the large piece it came from alive.
      if (entry.kind === 'document') expect(entry.bytes.buffer.byteLength).toBeLessThan(bytes.length);
    }
  });
});
