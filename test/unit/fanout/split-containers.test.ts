import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBlobStore } from '../../../shared/adapters/local/file-blob-store.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { splitMessage } from '../../../shared/dkim/header-fields.ts';
import { locatorKey } from '../../../shared/dump/entry.ts';
import { locateUnits, readLocated } from '../../../shared/fanout/locate-units.ts';
import { lambdaSpoolBytes } from '../../../shared/fanout/read-unit.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { build7z, buildRar5, buildTar, gzip } from '../../helpers/archive-files.ts';
import { buildZip, makeTempDir, mboxRecord, removeDir, writeFiles } from '../../helpers/dump-files.ts';
import { fanoutRecords, localRecords, splitToJobs } from '../../helpers/fanout-records.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { buildMsg } from '../../helpers/outlook-files.ts';

const AT = new Date('2026-11-21T00:00:00Z');
let dir: string;
let blobs: FileBlobStore;
const key = rsaKey(1024);
const verifier = createVerifier(staticResolver({ 'sel._domainkey.campaign.example': key.record }));
const signed = (id: string) => signMessage(buildMessage({ messageId: `<${id}@campaign.example>`, body: `Hello ${id}.\r\n` }), { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey });

beforeAll(async () => {
  dir = await makeTempDir();
  blobs = new FileBlobStore(join(dir, 'bucket'));
});
afterAll(() => removeDir(dir));

async function upload(name: string, bytes: Buffer): Promise<string> {
  await writeFiles(dir, { [name]: bytes });
  const objectKey = `uploads/${name}`;
  await blobs.put(objectKey, await readFile(join(dir, name)));
  return objectKey;
}

/** A .msg whose transport headers are a signed message's header section, its body the same text. */
function outlookCopyOf(message: Buffer): Buffer {
  const { bodyStart } = splitMessage(message);
  return buildMsg({ subject: 'Hello', transportHeaders: message.subarray(0, bodyStart).toString('latin1'), body: message.subarray(bodyStart).toString('latin1') });
}

describe('the fan-out reads the new containers as the local readers do', () => {
  it('a zip holding a tar.gz, a 7z, a rar, a gzipped mbox and an Outlook .msg: same records, same units when paused, found again by locator', async () => {
    const tgz = gzip(await buildTar([{ name: 'mail/t1.eml', data: signed('t1') }, { name: 'mail/t2.eml', data: signed('t2') }]));
    const sevenZip = await build7z([{ name: 's1.eml', data: signed('s1') }, { name: 'inner.tar.gz', data: gzip(await buildTar([{ name: 's2.eml', data: signed('s2') }])) }]);
    const rar = buildRar5([{ name: 'r1.eml', data: signed('r1') }]);
    const mboxGz = gzip(Buffer.concat([mboxRecord(signed('m1')), mboxRecord(signed('m2'))]));
    const zip = await buildZip([
      { name: 'a.tar.gz', data: tgz, compress: false },
      { name: 'b.7z', data: sevenZip },
      { name: 'c.rar', data: rar },
      { name: 'd.mbox.gz', data: mboxGz },
      { name: 'e.msg', data: outlookCopyOf(signed('o1')) },
      { name: 'plain.eml', data: signed('p1') },
    ]);
    const objectKey = await upload('containers.zip', zip);
    const local = await localRecords(join(dir, 'containers.zip'), verifier, AT);
    const fanout = await fanoutRecords(blobs, objectKey, 'containers.zip', verifier, AT);
    expect(fanout.records).toEqual(local);
    expect(local.map((record) => locatorKey(record.locator))).toEqual([
      'a.tar.gz!/mail/t1.eml',
      'a.tar.gz!/mail/t2.eml',
      'b.7z!/inner.tar.gz!/s2.eml',
      'b.7z!/s1.eml',
      'c.rar!/r1.eml',
      'd.mbox.gz#0',
      `d.mbox.gz#${mboxRecord(signed('m1')).length}`,
      'e.msg',
      'plain.eml',
    ]);
    const verdicts = Object.fromEntries(fanout.records.map((record) => [locatorKey(record.locator), record.kind === 'message' ? record.verdict : record.kind]));
    expect(verdicts).toMatchObject({ 'a.tar.gz!/mail/t1.eml': 'verified', 'b.7z!/inner.tar.gz!/s2.eml': 'verified', 'c.rar!/r1.eml': 'verified', 'd.mbox.gz#0': 'verified', 'plain.eml': 'verified' });

    // Containers are staged through the readers (one job never holds a whole archive); a paused split resumes
    // inside them without staging anything twice.
    const unpaused = await splitToJobs(blobs, objectKey, 'containers.zip');
    const paused = await splitToJobs(blobs, objectKey, 'containers.zip', { pauseEvery: 2, stepsInFlight: 1 });
    expect(paused.jobs.flatMap((job) => job.units)).toEqual(unpaused.jobs.flatMap((job) => job.units));
    expect(paused.invocations).toBeGreaterThan(2);

    // Found again by locator, as re-verification does: inside the 7z inside the zip, and the Outlook item with
    // the header section Outlook kept.
    const wanted = [{ path: 'b.7z!/inner.tar.gz!/s2.eml' }, { path: 'e.msg' }, { path: 'd.mbox.gz', offset: mboxRecord(signed('m1')).length, length: signed('m2').length }];
    const located = await locateUnits({ blobs, key: objectKey, name: 'containers.zip' }, wanted);
    const found = [];
    for await (const entry of readLocated(blobs, objectKey, located)) found.push(entry);
    expect(found.map((entry) => locatorKey(entry.locator)).sort()).toEqual(['b.7z!/inner.tar.gz!/s2.eml', `d.mbox.gz#${mboxRecord(signed('m1')).length}`, 'e.msg']);
    expect(found.find((entry) => entry.locator.path === 'b.7z!/inner.tar.gz!/s2.eml')!.bytes).toEqual(signed('s2'));
    const outlook = found.find((entry) => entry.locator.path === 'e.msg')!;
    expect(outlook.outlook?.transportHeaders).toEqual(signed('o1').subarray(0, splitMessage(signed('o1')).bodyStart));
  });

  it('an Outlook message staged from a nested container keeps its transport headers through the staged object', async () => {
    const msg = outlookCopyOf(signed('o2'));
    const objectKey = await upload('outlook.tar', await buildTar([{ name: 'x/item.msg', data: msg }]));
    const { jobs, strategy } = await splitToJobs(blobs, objectKey, 'outlook.tar');
    expect(strategy).toBe('staged');
    expect(jobs.flatMap((job) => job.units)).toEqual([{ kind: 'object', key: expect.any(String), locator: { path: 'x/item.msg' }, as: 'outlook' }]);
    const fanout = await fanoutRecords(blobs, objectKey, 'outlook.tar', verifier, AT);
    expect(fanout.records).toEqual(await localRecords(join(dir, 'outlook.tar'), verifier, AT));
  });

  it('top-level archives are streamed (tar.gz) or staged (7z) through the readers, as the local readers read them', async () => {
    for (const [name, bytes] of [
      ['leak.tar.gz', gzip(await buildTar([{ name: 'a/1.eml', data: signed('x1') }, { name: 'a/2.eml', data: signed('x2') }]))],
      ['leak.7z', await build7z([{ name: 'a/1.eml', data: signed('y1') }, { name: 'b.mbox', data: mboxRecord(signed('y2')) }])],
    ] as const) {
      const objectKey = await upload(name, bytes);
      const fanout = await fanoutRecords(blobs, objectKey, name, verifier, AT);
      expect(fanout.strategy).toBe('staged');
      expect(fanout.records).toEqual(await localRecords(join(dir, name), verifier, AT));
      expect(fanout.records.map((record) => record.kind === 'message' && record.verdict)).toEqual(['verified', 'verified']);
    }
  });

  it("a staged top-level 7z and what it unpacks are held to the leg's disk budget (the splitter's /tmp less a margin)", async () => {
    const members = [{ name: 'a.eml', data: signed('z1') }, { name: 'b.bin', data: randomBytes(4 * 1024 * 1024) }, { name: 'c.eml', data: signed('z2') }];
    const archive = await build7z(members);
    const objectKey = await upload('budget.7z', archive);
    // The copy and a.eml fit; b.bin's 4 MiB (random: under the ratio limit) does not.
    const tight = await splitToJobs(blobs, objectKey, 'budget.7z', { spoolBytes: archive.length + 1024 * 1024 });
    const errors = tight.jobs.flatMap((job) => job.units).flatMap((unit) => (unit.kind === 'entry' ? [`${unit.entry.locator.path}: ${unit.entry.reason}`] : []));
    expect(errors).toEqual([
      expect.stringMatching(/^b\.bin: temp copies and extractions over the dump's \d+ bytes disk budget/),
      expect.stringMatching(/^c\.eml: not extracted: archive not read to its end: /),
      expect.stringMatching(/^budget\.7z!\/: archive not read to its end: /),
    ]);
    // Given the splitter's budget (infra: 10,240 MiB of /tmp), the same archive reads whole.
    const roomy = await splitToJobs(blobs, objectKey, 'budget.7z', { spoolBytes: lambdaSpoolBytes(10_240) });
    expect(roomy.jobs.flatMap((job) => job.units).filter((unit) => unit.kind === 'entry')).toEqual([]);
    expect(roomy.units).toBe(3);
  });
});
