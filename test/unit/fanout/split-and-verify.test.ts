import { createHash } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBlobStore } from '../../../shared/adapters/local/file-blob-store.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { MAX_UNITS_PER_JOB } from '../../../shared/fanout/job-batcher.ts';
import { buildOfficeDocument, buildPdf } from '../../../tools/generator/documents/index.ts';
import { generateDump } from '../../../tools/generator/generate-dump.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { buildZip, makeTempDir, mboxRecord, removeDir, writeFiles } from '../../helpers/dump-files.ts';
import { fanoutRecords, localRecords, resolverFromKeyFile, splitToJobs } from '../../helpers/fanout-records.ts';
import type { WorkJob } from '../../../shared/fanout/work-units.ts';
import type { BlobStore } from '../../../shared/ports/blob-store.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage } from '../../helpers/messages.ts';

const AT = new Date('2026-11-21T00:00:00Z');
let dir: string;
let blobs: FileBlobStore;

beforeAll(async () => {
  dir = await makeTempDir();
  blobs = new FileBlobStore(join(dir, 'bucket'));
});
afterAll(() => removeDir(dir));

/** Puts a dump file into the blob store under uploads/ and returns its key. */
async function upload(path: string): Promise<string> {
  const key = `uploads/${basename(path)}`;
  await writeFiles(join(dir, 'bucket'), {});
  await blobs.put(key, await import('node:fs/promises').then((fs) => fs.readFile(path)));
  return key;
}

/** Splitting a zip reads its central directory (and the first bytes, to tell what it is), never the members. */
async function expectSplitReadsOnlyTheDirectory(key: string, name: string, dumpBytes: number) {
  let bytesRead = 0;
  const counting: BlobStore = {
    head: (k) => blobs.head(k),
    readRange: async (k, start, end) => {
      const bytes = await blobs.readRange(k, start, end);
      bytesRead += bytes.length;
      return bytes;
    },
    stream: () => {
      throw new Error('a zip is not streamed');
    },
    put: (k, bytes) => blobs.put(k, bytes),
  };
  await splitToJobs(counting, key, name);
  expect(bytesRead).toBeLessThan(dumpBytes / 4);
}

/**
 * A split paused every few steps and resumed from its cursor queues the same units, staged objects included:
 * one step at a time (every resume point), and with steps in flight (a pause waits for those already started).
 */
async function expectSameSplitWhenPaused(key: string, name: string, unpaused: WorkJob[]) {
  const units = unpaused.flatMap((job) => job.units);
  for (const stepsInFlight of [1, 4]) {
    const paused = await splitToJobs(blobs, key, name, { pauseEvery: 3, stepsInFlight });
    expect(paused.jobs.flatMap((job) => job.units)).toEqual(units);
    expect(paused.jobs.map((job) => job.jobId)).toEqual(paused.jobs.map((_, i) => i));
    if (units.length > stepsInFlight + 3) expect(paused.invocations).toBeGreaterThan(1);
  }
}

describe('the fan-out reads and verifies a dump as the local pipeline does', () => {
  for (const format of ['zip', 'mbox'] as const) {
    it(`a generated ${format} dump: same records for every entry`, async () => {
      const out = join(dir, `generated-${format}`);
      const generated = await generateDump({ outDir: out, format, messages: 260, attachmentEvery: 7, attachmentMaxBytes: 20 * 1024, seed: `fanout-${format}` });
      const verifier = createVerifier(await resolverFromKeyFile(generated.keysPath));
      const local = await localRecords(generated.dumpPath, verifier, AT);
      const key = await upload(generated.dumpPath);
      const fanout = await fanoutRecords(blobs, key, basename(generated.dumpPath), verifier, AT);

      expect(fanout.strategy).toBe(format === 'zip' ? 'zip-directory' : 'mbox-ranges');
      if (format === 'zip') await expectSplitReadsOnlyTheDirectory(key, basename(generated.dumpPath), generated.dumpBytes);
      expect(fanout.records).toEqual(local);
      expect(fanout.units).toBe(local.length);
      await expectSameSplitWhenPaused(key, basename(generated.dumpPath), fanout.jobs);
      expect(fanout.jobs.length).toBeGreaterThan(1);
      expect(Math.max(...fanout.jobs.map((job) => job.units.length))).toBeLessThanOrEqual(MAX_UNITS_PER_JOB);
      // Both outcomes occur, so equality above compares verdicts, not just lists of errors.
      expect(local.some((r) => r.kind === 'message' && r.verdict === 'verified')).toBe(true);
      expect(local.some((r) => r.kind === 'message' && r.verdict !== 'verified')).toBe(true);
    });
  }

  it('a zip with nested containers, junk, folders and duplicate names: staged where it cannot be read in place', async () => {
    const key = rsaKey(1024);
    const verifier = createVerifier(staticResolver({ 'sel._domainkey.campaign.example': key.record }));
    const signed = (id: string, body = 'Hello.\r\n') =>
      signMessage(buildMessage({ messageId: `<${id}@campaign.example>`, body }), { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey });
    const quoted = signed('quoted', 'Line one\r\nFrom here on, quoted.\r\n');
    const pdf = buildPdf(['Campaign accounts'], { author: 'Alice' });
    const inner = await buildZip([{ name: 'deep/one.eml', data: signed('deep') }, { name: 'deep/note.txt', data: 'hello' }, { name: 'deep/accounts.pdf', data: pdf }]);
    const mbox = Buffer.concat([mboxRecord(signed('m1')), mboxRecord(Buffer.from(quoted.toString('latin1').replace('\r\nFrom here', '\r\n>From here'), 'latin1'))]);
    const zip = await buildZip([
      { name: 'inbox/', directory: true },
      { name: 'inbox/a.eml', data: signed('a') },
      { name: 'inbox/b.eml', data: signed('b'), compress: false },
      { name: 'inbox/a.eml', data: signed('a2') },
      { name: 'inbox/tampered.eml', data: Buffer.from(signed('t').toString('latin1').replace('Hello.', 'Goodbye.'), 'latin1') },
      { name: 'scan.png', data: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') },
      { name: 'files/budget.docx', data: await buildOfficeDocument({ kind: 'docx', paragraphs: ['Budget'] }, { creator: 'Bob' }) },
      { name: 'archive/inner.zip', data: inner },
      { name: 'archive/box.mbox', data: mbox, streamed: true },
      { name: '__MACOSX/._a.eml', data: 'junk' },
    ]);
    const path = join(dir, 'mixed.zip');
    await writeFiles(dir, { 'mixed.zip': zip });
    const local = await localRecords(path, verifier, AT);
    const fanout = await fanoutRecords(blobs, await upload(path), 'mixed.zip', verifier, AT);

    expect(fanout.records).toEqual(local);
    await expectSameSplitWhenPaused(await upload(path), 'mixed.zip', fanout.jobs);
    const units = fanout.jobs.flatMap((job) => job.units);
    expect(units.filter((unit) => unit.kind === 'object').map((unit) => unit.kind === 'object' && unit.locator.path)).toEqual([
      'archive/inner.zip!/deep/one.eml',
      'archive/box.mbox',
      'archive/box.mbox',
    ]);
    // A document inside a nested container is staged with the reader's size and hash, and described by a worker.
    expect(units.filter((unit) => unit.kind === 'document')).toEqual([
      { kind: 'document', key: expect.any(String), locator: { path: 'archive/inner.zip!/deep/note.txt' }, size: 5, sha256: createHash('sha256').update('hello').digest('hex'), whole: true, staged: 5 },
      { kind: 'document', key: expect.any(String), locator: { path: 'archive/inner.zip!/deep/accounts.pdf' }, size: pdf.length, sha256: createHash('sha256').update(pdf).digest('hex'), whole: true, staged: pdf.length },
    ]);
    const verdicts = Object.fromEntries(fanout.records.map((r) => [r.locator.path + (r.locator.offset === undefined ? '' : `#${r.locator.offset}`), r.kind === 'message' ? r.verdict : r.kind]));
    expect(verdicts).toMatchObject({ 'inbox/a.eml': 'verified', 'inbox/tampered.eml': 'failed', 'archive/inner.zip!/deep/one.eml': 'verified', 'scan.png': 'document', 'files/budget.docx': 'document', 'archive/inner.zip!/deep/accounts.pdf': 'document', '__MACOSX/._a.eml': 'skipped' });
    expect(fanout.records.find((r) => r.locator.path === 'archive/inner.zip!/deep/accounts.pdf')).toMatchObject({ detectedType: 'application/pdf', metadata: { fields: { author: 'Alice' } } });
    expect(fanout.records.find((r) => r.locator.path === 'files/budget.docx')).toMatchObject({ name: 'budget.docx', metadata: { fields: { author: 'Bob' } } });
    expect(fanout.records.filter((r) => r.locator.path === 'archive/box.mbox').map((r) => r.kind === 'message' && r.verdict)).toEqual(['verified', 'verified']);
  });

  it('a single message and a damaged zip are read whole, the zip through the local fallback', async () => {
    const key = rsaKey(1024);
    const verifier = createVerifier(staticResolver({ 'sel._domainkey.campaign.example': key.record }));
    const message = signMessage(buildMessage({ messageId: '<one@campaign.example>' }), { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey });
    const zip = await buildZip([{ name: 'a.eml', data: message }, { name: 'b.eml', data: message }]);
    await writeFiles(dir, { 'one.eml': message, 'cut.zip': zip.subarray(0, zip.length - 30) });
    for (const name of ['one.eml', 'cut.zip']) {
      const path = join(dir, name);
      const local = await localRecords(path, verifier, AT);
      const fanout = await fanoutRecords(blobs, await upload(path), name, verifier, AT);
      expect(fanout.strategy).toBe(name === 'one.eml' ? 'single-object' : 'staged');
      expect(fanout.records).toEqual(local);
      await expectSameSplitWhenPaused(await upload(path), name, fanout.jobs);
    }
  });
});
