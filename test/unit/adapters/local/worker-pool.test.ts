/**
 * The local work queue's threads started ahead of it, as `leakproof ingest` starts them: before the store exists
 * and before the keys are imported. A thread must open the store only when its first message arrives.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openLocalHome } from '../../../../shared/adapters/local/local-home.ts';
import { startVerifyThreads, WorkerPool } from '../../../../shared/adapters/local/worker-pool.ts';
import { signMessage } from '../../../../shared/dkim/sign.ts';
import type { VerifiedEntry } from '../../../../shared/pipeline/verify-entry.ts';
import { makeTempDir, removeDir } from '../../../helpers/dump-files.ts';
import { rsaKey } from '../../../helpers/keys.ts';
import { buildMessage, tamper } from '../../../helpers/messages.ts';

const AT = new Date('2026-11-01T00:00:00Z');
const key = rsaKey(1024);

let dir: string;
beforeEach(async () => (dir = await makeTempDir()));
afterEach(async () => removeDir(dir));

it('verifies with threads started before the store was made and the keys imported', async () => {
  const home = join(dir, 'home');
  const threads = startVerifyThreads({ home, offline: true, at: AT.toISOString(), workers: 2 });
  // The threads load their code and wait for messages (their event loops start to idle); they open no store
  // before a message comes: the command is about to create (or migrate) it on this thread.
  await Promise.all(threads.workers.map(waitUntilIdle));
  expect(existsSync(home)).toBe(false);
  const local = openLocalHome(home);
  try {
    await local.archive.record({ domain: 'campaign.example', selector: 'sel', value: key.record, firstSeenAt: '2016-01-01T00:00:00.000Z', lastSeenAt: null, source: 'test' });
    const results: VerifiedEntry[] = [];
    const pool = new WorkerPool({ threads, onResult: (record) => results.push(record) });
    try {
      const genuine = signMessage(buildMessage({ messageId: '<a@campaign.example>', from: 'A <a@campaign.example>' }), { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey });
      await pool.submit({ kind: 'message', locator: { path: 'genuine.eml' }, bytes: genuine });
      await pool.submit({ kind: 'message', locator: { path: 'altered.eml' }, bytes: tamper(genuine, 'The notes are attached.', 'The notes are NOT attached.') });
      await pool.drain();
    } finally {
      await pool.close();
    }
    const verdicts = Object.fromEntries(results.map((record) => [record.locator.path, record.kind === 'message' ? record.verdict : record.kind]));
    expect(verdicts).toEqual({ 'genuine.eml': 'verified', 'altered.eml': 'failed' });
  } finally {
    local.close();
  }
});

async function waitUntilIdle(worker: Worker): Promise<void> {
  while (worker.performance.eventLoopUtilization().idle === 0) await new Promise((resolve) => setTimeout(resolve, 20));
}
