import { describe, expect, it } from 'vitest';
import { JobBatcher, MAX_JOB_JSON_BYTES, MAX_JOB_SPAN_BYTES, MAX_JOB_STAGED_BYTES, MAX_UNITS_PER_JOB } from '../../../shared/fanout/job-batcher.ts';
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

  it('gives a job at most its share of staged document bytes, and a larger document a job of its own', async () => {
    const document = (i: number, staged: number): WorkUnit => ({ kind: 'document', key: `staging/d1/${i}`, locator: { path: `a.zip!/${i}.pdf` }, size: staged, sha256: 'a'.repeat(64), whole: true, staged });
    const quarter = MAX_JOB_STAGED_BYTES / 4;
    const jobs = await batch([document(0, quarter), document(1, quarter), document(2, quarter), document(3, quarter), document(4, 1), document(5, 4 * MAX_JOB_STAGED_BYTES), document(6, 1)]);
    expect(jobs.map((job) => job.units.map((unit) => unit.kind === 'document' && unit.key.slice(-1)))).toEqual([['0', '1', '2', '3'], ['4'], ['5'], ['6']]);
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

  it('a paused split hands its unfilled job to the next leg: the same jobs wherever it paused, through JSON', async () => {
    const units = Array.from({ length: MAX_UNITS_PER_JOB * 2 + 30 }, (_, i) => range(i * 1000));
    const whole = await batch(units);
    for (const pauses of [[1], [77, 200, 201], [MAX_UNITS_PER_JOB, MAX_UNITS_PER_JOB * 2 + 5]]) {
      const jobs: WorkJob[] = [];
      let position;
      let next = 0;
      for (const pause of [...pauses, units.length]) {
        const leg = new JobBatcher('d1', 'uploads/leak.mbox', async (job) => void jobs.push(job), position);
        for (; next < pause; next++) await leg.add(units[next]!);
        if (pause === units.length) await leg.flush();
        else position = JSON.parse(JSON.stringify(leg.position()));
      }
      expect(jobs, `paused after ${pauses.join(', ')} units`).toEqual(whole);
    }
  });
});
