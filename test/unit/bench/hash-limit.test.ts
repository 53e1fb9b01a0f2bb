import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HashLimit } from '../../../bench/hash-limit.ts';
import { generateDump, type GenerateResult } from '../../../tools/generator/generate-dump.ts';

const SCRIPT = resolve('bench/hash-limit.ts');
let work: string;
let dump: GenerateResult;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'leakproof-hash-limit-'));
  dump = await generateDump({ outDir: join(work, 'dump'), format: 'zip', messages: 30, attachmentMinBytes: 2000, attachmentMaxBytes: 20_000, seed: 'hash-limit' });
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function hashLimit(maxBytes: number, dumpPath = dump.dumpPath): Promise<HashLimit> {
  const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, dumpPath, String(maxBytes)]);
  return JSON.parse(stdout) as HashLimit;
}

describe('bench/hash-limit.ts', () => {
  it("hashes every message of the dump on every core, counting each message's bytes once", async () => {
    const limit = await hashLimit(dump.totals.messageBytes);
    expect(limit).toMatchObject({ threads: availableParallelism(), messages: dump.totals.messages, bytes: dump.totals.messageBytes, sampled: false });
    expect(limit.seconds).toBeGreaterThan(0);
    // The zip's messages travel deflated, so the floor with inflating is measured too.
    expect(limit.withInflating?.seconds).toBeGreaterThan(0);
  });

  it('measures no inflating limit for an mbox, whose messages are not compressed', async () => {
    const mbox = await generateDump({ outDir: join(work, 'mbox'), format: 'mbox', messages: 10, seed: 'hash-limit-mbox' });
    const limit = await hashLimit(mbox.totals.messageBytes, mbox.dumpPath);
    expect(limit).toMatchObject({ messages: mbox.totals.messages, withInflating: null });
  });

  it('reads no more than it is allowed to hold, and says the rate is from a sample', async () => {
    const half = Math.floor(dump.totals.messageBytes / 2);
    const limit = await hashLimit(half);
    expect(limit.sampled).toBe(true);
    expect(limit.bytes).toBeLessThanOrEqual(half);
    expect(limit.messages).toBeGreaterThan(0);
    expect(limit.messages).toBeLessThan(dump.totals.messages);
  });
});
