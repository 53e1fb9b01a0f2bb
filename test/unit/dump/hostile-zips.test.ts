/**
 * Zips built to exhaust the reader (THREATS.md §2): bombs, sizes that lie, cut archives, nesting. Each must end
 * as an `error` entry with its reason, cost little, and leave the other entries read.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpoolBudget } from '../../../shared/dump/chunks.ts';
import { readItem } from '../../../shared/dump/dispatch.ts';
import type { DumpEntry, MessageEntry } from '../../../shared/dump/entry.ts';
import { fileItem } from '../../../shared/dump/item.ts';
import { buildZip, describe as describeEntries, localHeaderOffsets, makeTempDir, mboxRecord, readAll, removeDir, writeFiles } from '../../helpers/dump-files.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { deflated, deflatedMember, rawZip, storedMember, zerosBomb } from '../../helpers/zip-bombs.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const MiB = 1024 * 1024;
const GiB_OF_ZEROS = 1024;
const message = (n: number): Buffer => buildMessage({ subject: `Message ${n}`, messageId: `<${n}@campaign.example>` });
/** Starts like a message, so only the size can give it away. */
const HEADER = Buffer.from('Subject: nothing to see\r\n\r\n', 'latin1');

async function readZipBytes(zip: Buffer, name = 'dump.zip'): Promise<DumpEntry[]> {
  await writeFiles(dir, { [name]: zip });
  return readAll(join(dir, name));
}

/** A 1 GiB-of-zeros member between two messages, recording its true sizes. */
function gibBombZip(): Buffer {
  return rawZip([deflatedMember('a.eml', deflated(message(1))), deflatedMember('bomb.eml', zerosBomb(GiB_OF_ZEROS, HEADER)), deflatedMember('c.eml', deflated(message(3)))]);
}

describe('zip bombs', () => {
  it('refuses a 1 GiB member of a 1 MB zip by its recorded sizes, without inflating it, and reads the rest', async () => {
    const zip = gibBombZip();
    expect(zip.length).toBeLessThan(1.2 * MiB);
    const entries = await readZipBytes(zip);
    expect(describeEntries(entries)).toEqual([
      'message a.eml',
      expect.stringMatching(/^error bomb\.eml: zip entry inflates past \d+ bytes, over 100 times its \d+ compressed bytes \(a zip bomb\): it records 1073741851 bytes; not read$/),
      'message c.eml',
    ]);
  });

  it('stops a member that records a small size one byte past it, whether deferred to a worker or streamed', async () => {
    const bomb = zerosBomb(GiB_OF_ZEROS, HEADER);
    // An mbox whose first message is whole, then a second whose body is the bomb.
    const mboxBomb = zerosBomb(GiB_OF_ZEROS, Buffer.concat([mboxRecord(message(9)), Buffer.from('From bomb@example.org Thu Jan  1 00:00:00 1970\n', 'latin1')]));
    const zip = rawZip([
      // Deferred: left compressed, inflated in one call where verified.
      deflatedMember('deferred.eml', bomb, { uncompressedSize: 1024 }),
      // Streamed: not a message, so inflated by the reader.
      deflatedMember('small.mbox', mboxBomb, { uncompressedSize: 1024 }),
      // Streamed: recorded larger than any message, still within 100 times its compressed size.
      deflatedMember('streamed.mbox', mboxBomb, { uncompressedSize: 80 * MiB }),
      deflatedMember('ok.eml', deflated(message(1))),
    ]);
    const entries = await readZipBytes(zip);
    expect(describeEntries(entries)).toEqual([
      'message deferred.eml',
      'error small.mbox: zip entry data damaged: more than the recorded 1024 bytes',
      // The mbox's first message is whole before the lie shows.
      'message streamed.mbox#0',
      'error streamed.mbox: mbox read failed: zip entry data damaged: more than the recorded 83886080 bytes',
      'message ok.eml',
    ]);
    // The deferred message is an error as soon as its bytes are wanted (the worker records it so).
    expect(() => (entries[0] as MessageEntry).bytes).toThrow('zip entry data damaged: more than the recorded 1024 bytes');
    expect((entries[2] as MessageEntry).bytes).toEqual(message(9));
  });

  it('streams a member whose compressed bytes are more than any deferred member may hold, however small its record', async () => {
    const text = message(5);
    // A whole deflate stream of the message, then 9 MiB more compressed bytes than it needs.
    const whole = deflated(text);
    const padded = { ...whole, data: Buffer.concat([whole.data, Buffer.alloc(9 * MiB, 0x5a)]) };
    const zip = rawZip([deflatedMember('padded.eml', padded), deflatedMember('ok.eml', deflated(message(1)))]);
    const [first, second] = (await readZipBytes(zip)) as MessageEntry[];
    // Not held whole to travel deflated to a worker: read and inflated by the reader as a stream.
    expect([first!.deflated, second!.deflated?.size]).toEqual([undefined, message(1).length]);
  });

  it('refuses ZIP64 records that lie about either size', async () => {
    const zip = rawZip([
      deflatedMember('tera.eml', deflated(message(1)), { uncompressedSize: 2 ** 40 }),
      deflatedMember('past-the-end.eml', deflated(message(2)), { compressedSize: 2 ** 33 }),
      deflatedMember('ok.eml', deflated(message(3))),
    ]);
    const entries = await readZipBytes(zip);
    expect(describeEntries(entries)).toEqual([
      expect.stringMatching(/^error tera\.eml: zip entry inflates past 1048576 bytes, .* it records 1099511627776 bytes; not read$/),
      expect.stringMatching(/^error past-the-end\.eml: zip entry (unreadable|data damaged): /),
      'message ok.eml',
    ]);
  });

  it('reports a bomb in a truncated zip, with its sizes in the local header or only in a lost data descriptor', async () => {
    for (const dataDescriptor of [false, true]) {
      const bomb = zerosBomb(GiB_OF_ZEROS, HEADER);
      const whole = rawZip([deflatedMember('a.eml', deflated(message(1))), deflatedMember('bomb.eml', bomb, { dataDescriptor })], { withoutCentralDirectory: true });
      const cut = whole.subarray(0, whole.length - bomb.data.length / 2);
      const entries = await readZipBytes(cut, `cut-${dataDescriptor}.zip`);
      expect(describeEntries(entries)).toEqual([
        'message a.eml',
        dataDescriptor
          ? expect.stringMatching(/^error bomb\.eml: zip truncated: central directory missing; entry 'bomb\.eml' inflates past \d+ bytes, over 100 times the \d+ bytes left in the file \(a zip bomb\), so its end cannot be found$/)
          : expect.stringMatching(/^error bomb\.eml: zip truncated: central directory missing; entry 'bomb\.eml' incomplete; zip entry inflates past \d+ bytes, .*\(a zip bomb\): it records 1073741851 bytes; not read$/),
      ]);
    }
  });

  it('reports a bomb inside a nested zip at its own locator, and reads the nested zip on', async () => {
    const inner = rawZip([deflatedMember('bomb.eml', zerosBomb(GiB_OF_ZEROS, HEADER)), deflatedMember('ok.eml', deflated(message(2)))]);
    // Stored: deflating the inner zip again would make the outer member a bomb of its own (see the next test).
    const zip = await buildZip([{ name: 'inner.zip', data: inner, compress: false }, { name: 'top.eml', data: message(1) }]);
    expect(describeEntries(await readZipBytes(zip))).toEqual([
      expect.stringMatching(/^error inner\.zip!\/bomb\.eml: zip entry inflates past .* \(a zip bomb\)/),
      'message inner.zip!/ok.eml',
      'message top.eml',
    ]);
  });

  it('refuses a nested zip that is itself a bomb, or that inflates past its recorded size', async () => {
    const zipHead = rawZip([deflatedMember('x.eml', deflated(message(5)))], { withoutCentralDirectory: true });
    const zip = rawZip([
      deflatedMember('recorded.zip', zerosBomb(GiB_OF_ZEROS, zipHead)),
      // Recording no more than 100 times its compressed size, then inflating past it: stopped at the record.
      deflatedMember('lying.zip', zerosBomb(GiB_OF_ZEROS, zipHead), { uncompressedSize: 60 * MiB }),
      deflatedMember('ok.eml', deflated(message(1))),
    ]);
    const entries = await readZipBytes(zip);
    const lines = describeEntries(entries);
    expect(lines[0]).toMatch(/^error recorded\.zip: zip entry inflates past .*\(a zip bomb\)/);
    // lying.zip: its copy stops at the recorded size and is read as far as it goes; the archive read from the
    // copy has its own error, at its own locator.
    expect(lines.slice(1)).toEqual([
      'error lying.zip: zip entry data damaged: more than the recorded 62914560 bytes',
      'message lying.zip!/x.eml',
      'error lying.zip!/: zip truncated: central directory missing; no zip entry header at byte 244, nothing after it can be read',
      'message ok.eml',
    ]);
  });
});

describe('nested zips and the disk budget', () => {
  it('stops copying nested zips past the dump\'s budget: the member and the archive each get an error at their own locator', async () => {
    const inner = await buildZip([1, 2, 3, 4].map((n) => ({ name: `${n}.eml`, data: message(n), compress: false })));
    const outer = await buildZip([{ name: 'inner.zip', data: inner }, { name: 'top.eml', data: message(9) }]);
    await writeFiles(dir, { 'outer.zip': outer });
    // Room for the first two of the four inner members: the copy is cut between two members.
    const budget = new SpoolBudget(localHeaderOffsets(inner)[2]!);
    const entries: DumpEntry[] = [];
    for await (const entry of readItem(fileItem(join(dir, 'outer.zip'), 'outer.zip'), '', budget)) entries.push(entry);
    const lines = describeEntries(entries);
    expect(lines[0]).toMatch(/^error inner\.zip: temp copies and extractions over the dump's \d+ bytes disk budget; copied no further$/);
    expect(lines.slice(1)).toEqual([
      'message inner.zip!/1.eml',
      'message inner.zip!/2.eml',
      'error inner.zip!/: zip truncated: central directory missing; archive ends after 2 complete entries',
      'message top.eml',
    ]);
    const keys = entries.map((entry) => entry.locator.path);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('draws every nested copy of one dump from the same budget', async () => {
    const inner = await buildZip([{ name: 'a.eml', data: message(1), compress: false }]);
    const outer = await buildZip([1, 2, 3].map((n) => ({ name: `inner-${n}.zip`, data: inner, compress: false })));
    await writeFiles(dir, { 'outer.zip': outer });
    const budget = new SpoolBudget(2 * inner.length + 10);
    const entries: DumpEntry[] = [];
    for await (const entry of readItem(fileItem(join(dir, 'outer.zip'), 'outer.zip'), '', budget)) entries.push(entry);
    const lines = describeEntries(entries);
    expect(lines.slice(0, 2)).toEqual(['message inner-1.zip!/a.eml', 'message inner-2.zip!/a.eml']);
    expect(lines[2]).toMatch(/^error inner-3\.zip: temp copies and extractions over the dump's/);
  });
});

describe('documents in hostile zips', () => {
  const PDF_HEAD = Buffer.from('%PDF-1.7\n', 'latin1');

  it('holds a document to the same caps as any member: a bomb or a size lie is an error, and the rest is read', async () => {
    const zip = rawZip([
      // Recorded as it is: refused by the ratio before a byte is read.
      deflatedMember('bomb.pdf', zerosBomb(GiB_OF_ZEROS, PDF_HEAD)),
      // Recording 1 KiB: inflating stops one piece past it.
      deflatedMember('liar.pdf', zerosBomb(GiB_OF_ZEROS, PDF_HEAD), { uncompressedSize: 1024 }),
      deflatedMember('real.pdf', deflated(Buffer.concat([PDF_HEAD, Buffer.from('%%EOF\n')]))),
    ]);
    const started = performance.now();
    const entries = await readZipBytes(zip);
    expect(describeEntries(entries)).toEqual([
      expect.stringMatching(/^error bomb\.pdf: zip entry inflates past \d+ bytes, over 100 times its \d+ compressed bytes \(a zip bomb\): it records \d+ bytes; not read$/),
      'error liar.pdf: zip entry data damaged: more than the recorded 1024 bytes',
      'document real.pdf',
    ]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
