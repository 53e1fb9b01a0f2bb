import { describe, expect, it } from 'vitest';
import { JobBatcher, MAX_JOB_JSON_BYTES, MAX_JOB_SPAN_BYTES, MAX_UNITS_PER_JOB } from '../../../shared/fanout/job-batcher.ts';
import type { WorkJob, WorkUnit } from '../../../shared/fanout/work-units.ts';

function range(offset: number, length = 1000, path = 'leak.mbox'): WorkUnit {
  return { kind: 'mbox-range', path, offset, length };
}

async function batch(units: WorkUnit[]): Promise<WorkJob[]> {
  const jobs: WorkJob[] = [];
  const batcher = new JobBatcher('d1', 'uploads/leak.mbox', async (job) => void jobs.push(job));
  for (const unit of units) await batcher.add(unit);
  await batcher.flush();
  expect(batcher.unitCount).toBe(units.length);
  return jobs;
}

describe('JobBatcher', () => {
  it('fills jobs up to the unit bound, numbering them from 0', async () => {
    const jobs = await batch(Array.from({ length: MAX_UNITS_PER_JOB * 2 + 1 }, (_, i) => range(i * 1000)));
    expect(jobs.map((job) => [job.jobId, job.units.length])).toEqual([[0, MAX_UNITS_PER_JOB], [1, MAX_UNITS_PER_JOB], [2, 1]]);
  });

  it('starts a new job when its units would span more of the dump than one ranged read should fetch', async () => {
    const jobs = await batch([range(0), range(MAX_JOB_SPAN_BYTES / 2), range(MAX_JOB_SPAN_BYTES - 2000), range(MAX_JOB_SPAN_BYTES)]);
    expect(jobs.map((job) => job.units.length)).toEqual([3, 1]);
  });

  it('keeps a job small enough for one SQS message however long the names are', async () => {
    const jobs = await batch(Array.from({ length: 20 }, (_, i) => range(i * 1000, 1000, 'n'.repeat(20_000))));
    expect(jobs.length).toBeGreaterThan(1);
    for (const job of jobs) expect(Buffer.byteLength(JSON.stringify(job))).toBeLessThan(MAX_JOB_JSON_BYTES + 1024);
  });

  it('goes on from where a paused split left off', async () => {
    const jobs: WorkJob[] = [];
    const first = new JobBatcher('d1', 'k', async (job) => void jobs.push(job));
    await first.add(range(0));
    await first.flush();
    const second = new JobBatcher('d1', 'k', async (job) => void jobs.push(job), first.position());
    await second.add(range(1000));
    await second.flush();
    expect(jobs.map((job) => job.jobId)).toEqual([0, 1]);
    expect(second.unitCount).toBe(2);
  });
});
