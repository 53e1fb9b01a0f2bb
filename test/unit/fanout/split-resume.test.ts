/**
 * A split paused inside a staged container (a zip or an mbox inside the dump's zip) resumes at its point inside
 * it: the members of a nested zip before the point are passed over unopened, an mbox is taken up at the record
 * after the point, and nothing is staged twice. Whatever the legs, the queued units are those of one leg.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBlobStore } from '../../../shared/adapters/local/file-blob-store.ts';
import type { SplitCursor } from '../../../shared/fanout/split-dump.ts';
import type { BlobStore } from '../../../shared/ports/blob-store.ts';
import { buildZip, makeTempDir, mboxRecord, removeDir } from '../../helpers/dump-files.ts';
import { splitToJobs } from '../../helpers/fanout-records.ts';
import { buildMessage } from '../../helpers/messages.ts';

let dir: string;
let blobs: FileBlobStore;
const KEY = 'uploads/nested.zip';

const message = (id: string) => buildMessage({ messageId: `<${id}@example.test>`, body: `Message ${id}.\r\n` });

beforeAll(async () => {
  dir = await makeTempDir();
  blobs = new FileBlobStore(join(dir, 'bucket'));
  const deeper = await buildZip([{ name: 'd1.eml', data: message('d1') }, { name: 'd2.eml', data: message('d2') }, { name: 'd3.eml', data: message('d3') }]);
  const inner = await buildZip([
    ...Array.from({ length: 12 }, (_, i) => ({ name: `in/${i}.eml`, data: message(`in${i}`) })),
    { name: 'deeper.zip', data: deeper },
    { name: 'note.txt', data: 'not mail' },
    ...Array.from({ length: 12 }, (_, i) => ({ name: `late/${i}.eml`, data: message(`late${i}`) })),
  ]);
  const box = Buffer.concat(Array.from({ length: 20 }, (_, i) => mboxRecord(message(`m${i}`))));
  await blobs.put(
    KEY,
    await buildZip([
      { name: 'first.eml', data: message('first') },
      { name: 'inner.zip', data: inner },
      { name: 'middle.eml', data: message('middle') },
      { name: 'box.mbox', data: box },
      { name: 'last.eml', data: message('last') },
    ]),
  );
});
afterAll(() => removeDir(dir));

/** The blob store, with every staged object's writes counted by key. */
function countingPuts(): { store: BlobStore; puts: Map<string, number> } {
  const puts = new Map<string, number>();
  const store: BlobStore = {
    head: (key) => blobs.head(key),
    readRange: (key, start, end) => blobs.readRange(key, start, end),
    stream: (key, start) => blobs.stream(key, start),
    put: async (key, bytes) => {
      puts.set(key, (puts.get(key) ?? 0) + 1);
      await blobs.put(key, bytes);
    },
  };
  return { store, puts };
}

describe('a split resumed inside a staged container', () => {
  let single: Awaited<ReturnType<typeof splitToJobs>>;
  let singlePuts: Map<string, number>;
  let staged: Map<string, Buffer>;

  beforeAll(async () => {
    const { store, puts } = countingPuts();
    single = await splitToJobs(store, KEY, 'nested.zip');
    singlePuts = puts;
    staged = new Map(await Promise.all([...puts.keys()].map(async (key) => [key, await blobs.readRange(key, 0, Number.MAX_SAFE_INTEGER)] as const)));
  });

  it('stages the nested messages once each in one leg (the baseline)', () => {
    expect(single.invocations).toBe(1);
    // 12 + 3 + 12 messages and a document (note.txt) in the nested zip, 20 messages in the mbox.
    expect(singlePuts.size).toBe(48);
    expect([...singlePuts.values()].every((count) => count === 1)).toBe(true);
  });

  for (const [pauseEvery, stepsInFlight] of [[1, 1], [3, 1], [5, 4], [2, 8], [11, 2]] as const) {
    it(`paused every ${pauseEvery} steps with ${stepsInFlight} in flight: the same units, nothing staged twice, resumed at points inside both containers`, async () => {
      const { store, puts } = countingPuts();
      const paused = await splitToJobs(store, KEY, 'nested.zip', { pauseEvery, stepsInFlight });
      expect(paused.invocations).toBeGreaterThan(2);
      expect(paused.jobs.flatMap((job) => job.units)).toEqual(single.jobs.flatMap((job) => job.units));
      expect(paused.units).toBe(single.units);
      expect([...puts.entries()].filter(([, count]) => count > 1)).toEqual([]);
      expect(new Set(puts.keys())).toEqual(new Set(singlePuts.keys()));
      for (const key of puts.keys()) expect(await blobs.readRange(key, 0, Number.MAX_SAFE_INTEGER)).toEqual(staged.get(key));

      // Legs went on from points inside the nested zip (a member's name) and inside the mbox (a byte offset).
      const inside = paused.cursors.filter((cursor): cursor is SplitCursor & Required<Pick<SplitCursor, 'inside'>> => cursor.inside?.at !== undefined);
      expect(inside.some((cursor) => cursor.member === 1 && 'inner' in cursor.inside.at!)).toBe(true);
      expect(inside.some((cursor) => cursor.member === 3 && 'offset' in cursor.inside.at!)).toBe(true);
      // A leg that stops between two top-level members resumes past the first: no member is listed as in progress.
      for (const cursor of paused.cursors) expect(cursor.member).toBeLessThanOrEqual(5);
    });
  }
});
