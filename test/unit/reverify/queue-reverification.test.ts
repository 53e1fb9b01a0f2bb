/**
 * The AWS host's path through the core, on the local store and a folder blob store: the selection queued as
 * jobs (what the scheduled Lambda and the API do) and the jobs worked off as a worker does. The same on the
 * emulators, handlers and all, is test/e2e/aws-reverify.test.ts.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileBlobStore } from '../../../shared/adapters/local/file-blob-store.ts';
import { openLocalHome, type LocalHome } from '../../../shared/adapters/local/local-home.ts';
import { WorkerPool } from '../../../shared/adapters/local/worker-pool.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { readDump } from '../../../shared/dump/open-dump.ts';
import { parseJob } from '../../../shared/fanout/parse-job.ts';
import type { WorkJob } from '../../../shared/fanout/work-units.ts';
import { archiveFirstResolver } from '../../../shared/keys/archive-first-resolver.ts';
import { ingest } from '../../../shared/pipeline/ingest.ts';
import type { WorkQueue } from '../../../shared/ports/work-queue.ts';
import { queueReverification } from '../../../shared/reverify/queue-reverification.ts';
import { reverifyJob } from '../../../shared/reverify/reverify-job.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { buildZip, makeTempDir, mboxRecord, removeDir, writeFiles } from '../../helpers/dump-files.ts';
import { rsaKey } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';

const INGESTED_AT = new Date('2026-11-01T00:00:00Z');
const late = rsaKey(1024);
const known = rsaKey(1024);
const KNOWN_KEY = { domain: 'press.example', selector: 'sel', value: known.record, firstSeenAt: '2016-01-01T00:00:00.000Z', lastSeenAt: null, source: 'test' };
const LATE_KEY = { domain: 'campaign.example', selector: 'sel', value: late.record, firstSeenAt: '2016-01-01T00:00:00.000Z', lastSeenAt: null, source: 'archive' };

function signed(n: number, by: 'campaign' | 'press'): Buffer {
  const message = buildMessage({ messageId: `<${by}-${n}@${by}.example>`, from: `Someone <someone@${by}.example>` });
  return signMessage(message, { domain: `${by}.example`, selector: 'sel', privateKey: (by === 'campaign' ? late : known).privateKey });
}

let dir: string;
let local: LocalHome;
let blobs: FileBlobStore;
beforeEach(async () => {
  dir = await makeTempDir();
  local = openLocalHome(join(dir, 'home'));
  blobs = new FileBlobStore(join(dir, 'bucket'));
  await local.archive.record(KNOWN_KEY);
});
afterEach(async () => {
  local.close();
  await removeDir(dir);
});

/** A dump in the "bucket", ingested as the AWS pipeline records it: its source an S3 URI. */
async function stored(name: string, bytes: Buffer, source = `s3://dumps/uploads/${name}`): Promise<string> {
  await writeFiles(join(dir, 'bucket'), { [`uploads/${name}`]: bytes });
  const path = join(dir, 'bucket', 'uploads', name);
  const { dump } = await ingest({
    dump: Promise.resolve({ id: `id-${name}`, name, source, bytes: bytes.length }),
    entries: readDump(path),
    store: local.store,
    startQueue: (onResult) => new WorkerPool({ home: local.home, offline: true, at: INGESTED_AT.toISOString(), workers: 1, onResult }),
    now: () => INGESTED_AT,
  });
  return dump.id;
}

/** The work queue as the workers see it: each job through JSON. */
function capturingQueue(): WorkQueue<WorkJob> & { jobs: WorkJob[] } {
  const jobs: WorkJob[] = [];
  return { jobs, submit: async (job) => void jobs.push(parseJob(JSON.stringify(job))), drain: async () => {}, close: async () => {} };
}

const work = (job: WorkJob) =>
  reverifyJob(job, { blobs, store: local.store, verifier: createVerifier(archiveFirstResolver({ archive: local.archive, dns: null, now: () => new Date() })), now: new Date() });

async function mboxDump(): Promise<string> {
  const records = [signed(1, 'campaign'), signed(1, 'press'), tamper(signed(2, 'press'), 'The notes are attached.', 'The notes are gone.'), signed(2, 'campaign'), buildMessage({ messageId: '<u@x.example>' })];
  return stored('box.mbox', Buffer.concat(records.map((record) => mboxRecord(record, '\r\n'))));
}

async function zipDump(): Promise<string> {
  const inner = await buildZip([{ name: 'deep/c3.eml', data: signed(3, 'campaign') }, { name: 'deep/p3.eml', data: signed(3, 'press') }]);
  return stored('leak.zip', await buildZip([{ name: 'c4.eml', data: signed(4, 'campaign') }, { name: 'p4.eml', data: signed(4, 'press') }, { name: 'old.zip', data: inner }]));
}

describe('queueing a re-verification', () => {
  it('queues exactly the affected messages, by the units holding them, job ids distinct across the run', async () => {
    const mbox = await mboxDump();
    const zip = await zipDump();
    await local.archive.record(LATE_KEY);
    const queue = capturingQueue();
    const run = await queueReverification({ store: local.store, archive: local.archive, blobs, queue, runId: 'r1' });

    expect(run).toMatchObject({ selected: 4, queued: 4, jobs: 2, skipped: [] });
    expect(run.dumps.sort()).toEqual([mbox, zip].sort());
    expect(queue.jobs.map((job) => job.jobId)).toEqual([0, 1]);
    const byDump = Object.fromEntries(queue.jobs.map((job) => [job.dumpId, job]));
    // The mbox: its two campaign messages, each its own byte range; the others are not read.
    const mboxJob = byDump[mbox]!;
    expect(mboxJob.key).toBe('uploads/box.mbox');
    expect(mboxJob.units.map((unit) => unit.kind)).toEqual(['mbox-range', 'mbox-range']);
    expect(Object.values(mboxJob.reverify!.causes)).toEqual(['new-key', 'new-key']);
    expect(Object.keys(mboxJob.reverify!.causes)).toEqual(mboxJob.units.map((unit) => `box.mbox#${(unit as { offset: number }).offset}`));
    // The zip: c4.eml, and the nested zip read through its top-level member for c3 alone.
    const zipJob = byDump[zip]!;
    expect(zipJob.units.map((unit) => unit.kind === 'zip-member' && unit.member.name)).toEqual(['c4.eml', 'old.zip']);
    expect(zipJob.reverify).toEqual({ runId: 'r1', causes: { 'c4.eml': 'new-key', 'old.zip!/deep/c3.eml': 'new-key' } });
  });

  it('works the jobs off as the workers do: verdicts replaced once, a redelivered job changes nothing', async () => {
    const zip = await zipDump();
    await local.archive.record(LATE_KEY);
    const queue = capturingQueue();
    await queueReverification({ store: local.store, archive: local.archive, blobs, queue, runId: 'r1' });
    const [job] = queue.jobs;
    expect(await work(job!)).toMatchObject({ checked: 2, changed: 2, unreadable: 0 });
    const summary = await local.store.summary(zip);
    expect(summary!.byVerdict).toEqual({ verified: 4 });
    expect(await work(job!)).toMatchObject({ checked: 2, changed: 0 });
    expect(await local.store.summary(zip)).toEqual(summary);
    const entry = await local.store.getEntry(zip, 'old.zip!/deep/c3.eml');
    expect(entry).toMatchObject({ verdict: 'verified', history: [{ verdict: 'unverified', cause: 'new-key' }] });

    const again = capturingQueue();
    expect(await queueReverification({ store: local.store, archive: local.archive, blobs, queue: again, runId: 'r2' })).toMatchObject({ selected: 0, jobs: 0 });
    expect(again.jobs).toEqual([]);
  });

  it('counts a wanted message its dump no longer holds as unreadable, and leaves its verdict', async () => {
    const zip = await zipDump();
    await local.archive.record(LATE_KEY);
    const queue = capturingQueue();
    await queueReverification({ store: local.store, archive: local.archive, blobs, queue, runId: 'r1' });
    const job = { ...queue.jobs[0]!, reverify: { runId: 'r1', causes: { ...queue.jobs[0]!.reverify!.causes, 'gone.eml': 'new-key' as const } } };
    expect(await work(job)).toMatchObject({ checked: 2, changed: 2, unreadable: 1 });
    expect((await local.store.summary(zip))!.byVerdict).toEqual({ verified: 4 });
  });

  it('passes over a dump whose object is gone, and queues the others', async () => {
    const mbox = await mboxDump();
    const zip = await zipDump();
    await local.archive.record(LATE_KEY);
    await rm(join(dir, 'bucket', 'uploads', 'leak.zip'));
    const queue = capturingQueue();
    const run = await queueReverification({ store: local.store, archive: local.archive, blobs, queue, runId: 'r1' });
    expect(run).toMatchObject({ selected: 4, queued: 2, dumps: [mbox], skipped: [{ dumpId: zip, reason: expect.stringMatching(/^cannot locate its messages: /) }] });
    expect(queue.jobs.map((job) => job.dumpId)).toEqual([mbox]);
  });

  it('one dump when asked; a dump not held in S3 is passed over, said why', async () => {
    const mbox = await mboxDump();
    const zip = await zipDump();
    await stored('local.mbox', mboxRecord(signed(9, 'campaign')), '/home/someone/local.mbox');
    await local.archive.record(LATE_KEY);
    const one = capturingQueue();
    expect(await queueReverification({ store: local.store, archive: local.archive, blobs, queue: one, scope: { dumpId: zip }, runId: 'r1' })).toMatchObject({ selected: 2, dumps: [zip] });
    expect(one.jobs.map((job) => job.dumpId)).toEqual([zip]);

    const all = capturingQueue();
    const run = await queueReverification({ store: local.store, archive: local.archive, blobs, queue: all, runId: 'r2' });
    expect(run).toMatchObject({ selected: 5, queued: 4, skipped: [{ dumpId: 'id-local.mbox', reason: 'not an S3 object: /home/someone/local.mbox' }] });
    expect(run.dumps.sort()).toEqual([mbox, zip].sort());
  });
});
