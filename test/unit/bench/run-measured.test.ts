import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runMeasured } from '../../../bench/run-measured.ts';

let scratch: string;
beforeEach(async () => (scratch = await mkdtemp(join(tmpdir(), 'leakproof-run-measured-'))));
afterEach(async () => rm(scratch, { recursive: true, force: true }));

it("reports the child's own peak memory, not that of the process that spawned it", async () => {
  // The bench builds large hostile dumps in memory before it measures children: a child must not inherit that peak
  // (getrusage's maxRSS does, across fork and exec, on Linux).
  const held = Buffer.alloc(400 * 1024 * 1024, 1);
  const result = await runMeasured([process.execPath, '-e', '0'], { cwd: scratch, scratch, label: 'tiny child' });
  expect(held.length).toBeGreaterThan(0);
  expect(result.ok).toBe(true);
  expect(result.peakRssMb).toBeGreaterThan(10);
  expect(result.peakRssMb).toBeLessThan(200);
});
