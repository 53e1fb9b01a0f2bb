/**
 * How a re-verification run's jobs are built: bounded as a split's jobs are (messages, span, JSON), but counting
 * the messages wanted rather than units, named per run, and read back by the workers as queued.
 */
import { describe, expect, it } from 'vitest';
import { JobBatcher, MAX_JOB_JSON_BYTES, MAX_JOB_SPAN_BYTES, MAX_UNITS_PER_JOB, type WantedMessages } from '../../../shared/fanout/job-batcher.ts';
import { parseJob } from '../../../shared/fanout/parse-job.ts';
import type { WorkJob, WorkUnit } from '../../../shared/fanout/work-units.ts';
import { newRunId, objectKeyOf } from '../../../shared/reverify/queue-reverification.ts';
import { reverifyBatchId } from '../../../shared/reverify/reverify-job.ts';
import type { ChangeCause } from '../../../shared/verdict/contract.ts';

const RUN = 'run1';

function range(offset: number, length = 1000): WorkUnit {
  return { kind: 'mbox-range', path: 'leak.mbox', offset, length };
}

function member(name: string, headerOffset: number, compressedSize = 5000): WorkUnit {
  return {
    kind: 'zip-member',
    member: { name, flags: 0, method: 8, crc32: 0, compressedSize, uncompressedSize: compressedSize * 3 },
    headerOffset,
  };
}

function wanting(keys: string[], cause: ChangeCause = 'new-key'): WantedMessages {
  return new Map(keys.map((key) => [key, cause]));
}

/** Jobs as a worker receives them: through JSON, checked by parseJob. */
async function batch(add: (batcher: JobBatcher) => Promise<void>, from = { nextJobId: 0, unitCount: 0 }): Promise<WorkJob[]> {
  const jobs: WorkJob[] = [];
  const batcher = new JobBatcher('d1', 'uploads/leak', async (job) => void jobs.push(parseJob(JSON.stringify(job))), from, RUN);
  await add(batcher);
  await batcher.flush();
  return jobs;
}

const wantedOf = (job: WorkJob) => Object.keys(job.reverify!.causes);

describe('re-verification jobs', () => {
  it('carry the run and exactly the messages wanted from their units, bounded by wanted messages', async () => {
    const count = MAX_UNITS_PER_JOB * 2 + 50;
    const jobs = await batch(async (batcher) => {
      for (let i = 0; i < count; i++) await batcher.add(range(i * 1000), wanting([`leak.mbox#${i * 1000}`], i % 2 ? 'new-key' : 'rules-change'));
    });
    expect(jobs.map((job) => [job.jobId, job.units.length, wantedOf(job).length])).toEqual([
      [0, MAX_UNITS_PER_JOB, MAX_UNITS_PER_JOB],
      [1, MAX_UNITS_PER_JOB, MAX_UNITS_PER_JOB],
      [2, 50, 50],
    ]);
    for (const job of jobs) {
      expect(job.reverify!.runId).toBe(RUN);
      expect(wantedOf(job)).toEqual(job.units.map((unit) => `leak.mbox#${(unit as { offset: number }).offset}`));
    }
    expect(jobs[0]!.reverify!.causes).toMatchObject({ 'leak.mbox#0': 'rules-change', 'leak.mbox#1000': 'new-key' });
  });

  it('puts a unit wanting more than a job holds (a nested zip) in several jobs, each wanting a share, never twice in one job', async () => {
    const nested = Array.from({ length: 450 }, (_, i) => `old.zip!/m${i}.eml`);
    const jobs = await batch(async (batcher) => {
      await batcher.add(member('a.eml', 0), wanting(['a.eml']));
      await batcher.add(member('old.zip', 10_000, 900_000), wanting(nested));
      await batcher.add(member('b.eml', 1_000_000), wanting(['b.eml']));
    });
    expect(jobs.map((job) => [job.units.map((unit) => (unit as { member: { name: string } }).member.name), wantedOf(job).length])).toEqual([
      [['a.eml'], 1],
      [['old.zip'], 200],
      [['old.zip'], 200],
      [['old.zip', 'b.eml'], 51],
    ]);
    const wanted = jobs.flatMap(wantedOf);
    expect(wanted.sort()).toEqual(['a.eml', 'b.eml', ...nested].sort());
    for (const job of jobs) expect(wantedOf(job).length).toBeLessThanOrEqual(MAX_UNITS_PER_JOB);
  });

  it('keep the span of one ranged read and the size of one queue message, however long the locators are', async () => {
    const long = (i: number) => `${'deep/'.repeat(150)}m${i}.eml`;
    const jobs = await batch(async (batcher) => {
      await batcher.add(range(0), wanting(['leak.mbox#0']));
      await batcher.add(range(MAX_JOB_SPAN_BYTES + 1000), wanting(['leak.mbox#far']));
      await batcher.add(member('big.zip', MAX_JOB_SPAN_BYTES + 5000), wanting(Array.from({ length: 190 }, (_, i) => long(i))));
    });
    expect(jobs[0]!.units).toEqual([range(0)]);
    // The far message cannot share the first job's read; the zip's 190 long names cannot share one message.
    expect(jobs.filter((job) => job.units.some((unit) => unit.kind === 'zip-member')).length).toBeGreaterThan(1);
    for (const job of jobs) expect(Buffer.byteLength(JSON.stringify(job))).toBeLessThan(MAX_JOB_JSON_BYTES + 1024);
    expect(jobs.flatMap(wantedOf)).toHaveLength(192);
  });

  it('are numbered on from where the run left off (job ids distinct across a run`s dumps), and skip units wanting nothing', async () => {
    const first = await batch(async (batcher) => batcher.add(range(0), wanting(['leak.mbox#0'])));
    const second = await batch(async (batcher) => {
      await batcher.add(range(0), wanting([]));
      await batcher.add(range(1000), wanting(['leak.mbox#1000']));
    }, { nextJobId: first.length, unitCount: 0 });
    expect([...first, ...second].map((job) => job.jobId)).toEqual([0, 1]);
    expect(second[0]!.units).toEqual([range(1000)]);
  });

  it('keep a locator whatever its name, "__proto__" included', async () => {
    const [job] = await batch(async (batcher) => batcher.add(member('__proto__', 0), wanting(['__proto__'], 'key-compromised')));
    expect(Object.entries(job!.reverify!.causes)).toEqual([['__proto__', 'key-compromised']]);
  });

  it('are not mixed with a split`s units', async () => {
    const split = new JobBatcher('d1', 'k', async () => {});
    await expect(split.add(range(0), wanting(['leak.mbox#0']))).rejects.toThrow(/no wanted messages/);
    const run = new JobBatcher('d1', 'k', async () => {}, undefined, RUN);
    await expect(run.add(range(0))).rejects.toThrow(/needs the messages wanted/);
  });

  it('are refused by the worker when their order is malformed', () => {
    const job = { dumpId: 'd1', key: 'k', jobId: 0, units: [] };
    expect(parseJob(JSON.stringify({ ...job, reverify: { runId: RUN, causes: { 'a.eml': 'new-key' } } })).reverify).toEqual({ runId: RUN, causes: { 'a.eml': 'new-key' } });
    for (const reverify of [null, { causes: {} }, { runId: RUN }, { runId: RUN, causes: [] }, { runId: RUN, causes: { 'a.eml': 'whim' } }]) {
      expect(() => parseJob(JSON.stringify({ ...job, reverify }))).toThrow(/reverify/);
    }
  });
});

describe('run and batch names', () => {
  it('name each replacement batch by run, job and sequence', () => {
    expect(reverifyBatchId('r', 7, 0)).toBe('reverify-r-7-0');
  });

  it('give each queueing a short id of its own', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newRunId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{18,20}$/);
  });

  it('find a dump`s object key in its S3 URI', () => {
    expect(objectKeyOf('s3://bucket/uploads/leak 1.zip')).toBe('uploads/leak 1.zip');
    expect(objectKeyOf('/home/me/leak.zip')).toBeNull();
    expect(objectKeyOf('s3://bucket/')).toBeNull();
  });
});
