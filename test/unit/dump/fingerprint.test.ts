import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintDump } from '../../../shared/dump/fingerprint.ts';

describe('dump fingerprint', () => {
  it("is the SHA-256 of a file's bytes, read in pieces through one buffer, with the bytes read reported", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leakproof-fingerprint-'));
    for (const size of [0, 1, 1 << 20, 3.5 * (1 << 20) + 7]) {
      const bytes = randomBytes(size);
      const path = join(dir, `dump-${size}.zip`);
      await writeFile(path, bytes);
      const reported: number[] = [];
      const identity = await fingerprintDump(path, (read) => reported.push(read));
      expect(identity).toEqual({ id: createHash('sha256').update(bytes).digest('hex'), bytes: size });
      expect(reported.at(-1) ?? 0).toBe(size);
    }
  });
});
