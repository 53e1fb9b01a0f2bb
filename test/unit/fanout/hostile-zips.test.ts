/**
 * The fan-out reads zip members through the same readers as `leakproof ingest`, so the same limits hold: the
 * splitter refuses a bomb by its recorded sizes without fetching it, and a worker stops a member that inflates
 * past its record; every hostile member is an error with its reason, and the rest of the job is verified.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBlobStore } from '../../../shared/adapters/local/file-blob-store.ts';
import { locatorKey } from '../../../shared/dump/entry.ts';
import type { BlobStore } from '../../../shared/ports/blob-store.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { localHeaderOffsets, makeTempDir, removeDir } from '../../helpers/dump-files.ts';
import { fanoutRecords, splitToJobs } from '../../helpers/fanout-records.ts';
import { staticResolver } from '../../helpers/keys.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { hostileMembers, rawZip } from '../../helpers/zip-bombs.ts';

const AT = new Date('2026-11-21T00:00:00Z');
const verifier = createVerifier(staticResolver({}));
const message = (n: number): Buffer => buildMessage({ subject: `Message ${n}`, messageId: `<${n}@campaign.example>` });
let dir: string;
let blobs: FileBlobStore;

beforeAll(async () => {
  dir = await makeTempDir();
  blobs = new FileBlobStore(join(dir, 'bucket'));
  await blobs.put('uploads/bombs.zip', rawZip(hostileMembers(message)));
});
afterAll(() => removeDir(dir));

describe('the fan-out on hostile zips', () => {
  it('stores every hostile member as an error with its reason, and verifies the rest', async () => {
    const { records } = await fanoutRecords(blobs, 'uploads/bombs.zip', 'bombs.zip', verifier, AT);
    const outcome = Object.fromEntries(records.map((record) => [locatorKey(record.locator), record.kind === 'error' ? record.detail : record.kind]));
    expect(outcome).toEqual({
      '1.eml': 'message',
      'gib.eml': expect.stringMatching(/^zip entry inflates past \d+ bytes, over 100 times its \d+ compressed bytes \(a zip bomb\): it records 1073741851 bytes; not read$/),
      'lies-small.eml': 'zip entry data damaged: more than the recorded 1024 bytes',
      'lies-6mib.eml': 'zip entry data damaged: more than the recorded 6291456 bytes',
      'lies-30mib.txt': 'zip entry data damaged: more than the recorded 31457280 bytes',
      'lies-80mib.mbox#0': 'message',
      'lies-80mib.mbox': 'mbox read failed: zip entry data damaged: more than the recorded 83886080 bytes',
      '2.eml': 'message',
    });
  });

  it('splits without fetching the bomb: the recorded sizes decide', async () => {
    const fetched: [number, number][] = [];
    const watching: BlobStore = {
      head: (key) => blobs.head(key),
      readRange: (key, start, end) => {
        fetched.push([start, end]);
        return blobs.readRange(key, start, end);
      },
      stream: (key, start) => blobs.stream(key, start),
      put: (key, bytes) => blobs.put(key, bytes),
    };
    const { jobs } = await splitToJobs(watching, 'uploads/bombs.zip', 'bombs.zip');
    const units = jobs.flatMap((job) => job.units);
    expect(units.find((unit) => unit.kind === 'entry' && unit.entry.locator.path === 'gib.eml')).toMatchObject({ entry: { kind: 'error' } });
    // Of the bomb's megabyte, only what the first read (to tell what the dump is) happened to cover.
    const [, gibStart, gibEnd] = localHeaderOffsets(await blobs.readRange('uploads/bombs.zip', 0, Number.MAX_SAFE_INTEGER));
    const ofTheBomb = fetched.reduce((sum, [start, end]) => sum + Math.max(0, Math.min(end, gibEnd!) - Math.max(start, gibStart!)), 0);
    expect(ofTheBomb).toBeLessThanOrEqual(4096);
  });
});
