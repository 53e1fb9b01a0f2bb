import type { MessageEntry } from '../../../shared/dump/entry.ts';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMessage } from '../../helpers/messages.ts';
import {
  buildZip,
  centralHeaderOffsets,
  dataStartOf,
  describe as describeEntries,
  localHeaderOffsets,
  eachTestInOwnTempDir,
  mboxRecord,
  messages,
  readAll,
  writeFiles,
  type ZipMemberSpec,
} from '../../helpers/dump-files.ts';

let dir: string;
eachTestInOwnTempDir((folder) => (dir = folder));

const message = (n: number): Buffer => buildMessage({ subject: `Message ${n}`, messageId: `<${n}@campaign.example>`, body: `Body ${n}\r\n`.repeat(40) });
/** A message whose body deflate cannot shrink, so that cutting compressed data in half cuts the text in half. */
const incompressibleMessage = (n: number): Buffer => {
  let block = createHash('sha256').update(String(n)).digest();
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) {
    block = createHash('sha256').update(block).digest();
    lines.push(Buffer.concat([block, createHash('sha512').update(block).digest()]).toString('base64'));
  }
  return buildMessage({ subject: `Noise ${n}`, body: lines.join('\r\n') + '\r\n' });
};
const fiveMessages = (options: Partial<ZipMemberSpec> = {}): ZipMemberSpec[] =>
  [1, 2, 3, 4, 5].map((n) => ({ name: `mail/${n}.eml`, data: message(n), ...options }));

async function readZipBytes(zip: Buffer, name = 'dump.zip'): Promise<ReturnType<typeof readAll>> {
  await writeFiles(dir, { [name]: zip });
  return readAll(join(dir, name));
}

describe('zip dumps', () => {
  it('reads stored and deflated members byte for byte, in central-directory order, without directories', async () => {
    const zip = await buildZip([
      { name: 'b/', directory: true },
      { name: 'b/z.eml', data: message(1), compress: false },
      { name: 'a/deep/er/y.eml', data: message(2), compress: true },
      { name: 'x.pdf', data: '%PDF-1.4\n' },
    ]);
    const entries = await readZipBytes(zip);
    expect(describeEntries(entries)).toEqual(['message b/z.eml', 'message a/deep/er/y.eml', 'document x.pdf']);
    expect(messages(entries).map((entry) => entry.bytes)).toEqual([message(1), message(2)]);
  });

  it('reads ZIP64 archives, with sizes in the header or in data descriptors', async () => {
    for (const streamed of [false, true]) {
      const zip = await buildZip(fiveMessages({ streamed }), { zip64: true });
      const entries = await readZipBytes(zip, `zip64-${streamed}.zip`);
      expect(messages(entries).map((entry) => entry.bytes)).toEqual([1, 2, 3, 4, 5].map(message));
    }
  });

  it('reads a zip inside a zip through a temp file, and removes the temp file', async () => {
    const before = leftoverTempZips();
    const inner = await buildZip([{ name: 'folder/a.eml', data: message(1) }]);
    const outer = await buildZip([{ name: 'outer/inner.zip', data: inner }, { name: 'b.eml', data: message(2) }]);
    const entries = await readZipBytes(outer);
    expect(describeEntries(entries)).toEqual(['message outer/inner.zip!/folder/a.eml', 'message b.eml']);
    expect(messages(entries)[0]?.bytes).toEqual(message(1));
    expect(leftoverTempZips()).toEqual(before);
  });

  it('streams an mbox inside a zip (inside a zip) through the mbox splitter', async () => {
    const mbox = Buffer.concat([mboxRecord(message(1), '\r\n'), mboxRecord(message(2), '\r\n')]);
    const inner = await buildZip([{ name: 'box.mbox', data: mbox }]);
    const outer = await buildZip([{ name: 'mail.zip', data: inner, compress: false }]);
    const entries = await readZipBytes(outer);
    const second = mbox.indexOf('From alice', 10);
    expect(describeEntries(entries)).toEqual(['message mail.zip!/box.mbox#0', `message mail.zip!/box.mbox#${second}`]);
    expect(messages(entries).map((entry) => entry.bytes)).toEqual([message(1), message(2)]);
  });

  it('names zip members found in a folder after the zip', async () => {
    await writeFiles(dir, { 'sub/mail.zip': await buildZip([{ name: 'f/a.eml', data: message(1) }]), 'z.eml': message(2) });
    expect(describeEntries(await readAll(dir))).toEqual(['message sub/mail.zip!/f/a.eml', 'message z.eml']);
  });

  it('skips OS litter and empty members, and reports encrypted and unsupported members', async () => {
    const zip = await buildZip([
      { name: '__MACOSX/._a.eml', data: 'junk' },
      { name: 'empty.eml', data: '' },
      { name: 'secret.eml', data: message(1) },
      { name: 'bzip.eml', data: message(2) },
      { name: 'ok.eml', data: message(3) },
    ]);
    const [, , secret, bzip] = localHeaderOffsets(zip);
    const [, , secretCentral, bzipCentral] = centralHeaderOffsets(zip);
    // Mark one member encrypted and give one the bzip2 method, in both the local and the central header.
    zip.writeUInt16LE(zip.readUInt16LE(secret! + 6) | 1, secret! + 6);
    zip.writeUInt16LE(zip.readUInt16LE(secretCentral! + 8) | 1, secretCentral! + 8);
    zip.writeUInt16LE(12, bzip! + 8);
    zip.writeUInt16LE(12, bzipCentral! + 10);
    expect(describeEntries(await readZipBytes(zip))).toEqual([
      'skipped __MACOSX/._a.eml: macOS metadata (__MACOSX/)',
      'skipped empty.eml: empty file',
      'error secret.eml: encrypted zip entry (not supported)',
      'error bzip.eml: unsupported zip compression method 12 (bzip2)',
      'message ok.eml',
    ]);
  });

  it('reports a member with bad deflate data and goes on with the next', async () => {
    const zip = await buildZip(fiveMessages());
    const third = localHeaderOffsets(zip)[2]!;
    flipBits(zip, dataStartOf(zip, third) + 20, 0xff);
    const entries = await readZipBytes(zip);
    expect(describeEntries(entries).map((line) => line.replace(/: .*/, ':'))).toEqual([
      'message mail/1.eml',
      'message mail/2.eml',
      'error mail/3.eml:',
      'message mail/4.eml',
      'message mail/5.eml',
    ]);
    expect(entries[2]).toMatchObject({ kind: 'error', reason: expect.stringMatching(/^zip entry data damaged: /) });
  });

  it('hands a deflated message on compressed; its bytes inflate on use and damage deep inside is caught then', async () => {
    const body = Array.from({ length: 2000 }, (_, i) => `line ${i} of a long memo, ${(i * 7919) % 1000}\r\n`).join('');
    const long = `From: a@example.org\r\nSubject: memo\r\n\r\n${body}`;
    const zip = await buildZip([{ name: 'ok.eml', data: long }, { name: 'damaged.eml', data: long }]);
    const [intact, damaged] = (await readZipBytes(zip)) as MessageEntry[];
    expect(intact!.deflated?.size).toBe(long.length);
    expect(intact!.bytes.toString('latin1')).toBe(long);
    // Corrupt the second member well past what classifying it inflates.
    const second = localHeaderOffsets(zip)[1]!;
    const compressed = damaged!.deflated!.data.length;
    flipBits(zip, dataStartOf(zip, second) + compressed - 40, 0xff);
    const [, reread] = (await readZipBytes(zip, 'damaged.zip')) as MessageEntry[];
    expect(reread!.kind).toBe('message');
    expect(() => reread!.bytes).toThrow(/^zip entry data damaged: /);
  });

  it('reports a stored member whose bytes do not match its CRC-32', async () => {
    const zip = await buildZip(fiveMessages({ compress: false }));
    flipBits(zip, dataStartOf(zip, localHeaderOffsets(zip)[1]!) + 5, 0x01);
    const entries = await readZipBytes(zip);
    expect(entries[1]).toEqual({ kind: 'error', locator: { path: 'mail/2.eml' }, reason: 'zip entry data damaged: CRC-32 mismatch' });
    expect(messages(entries)).toHaveLength(4);
  });

  describe('without a central directory (truncated)', () => {
    const cutInThird = (zip: Buffer): Buffer => {
      const third = localHeaderOffsets(zip)[2]!;
      return zip.subarray(0, dataStartOf(zip, third) + 30);
    };

    for (const streamed of [false, true]) {
      it(`yields the complete members, then an error naming the cut one (${streamed ? 'data descriptors' : 'sizes in headers'})`, async () => {
        const zip = cutInThird(await buildZip(fiveMessages({ streamed })));
        const entries = await readZipBytes(zip);
        expect(describeEntries(entries)).toEqual([
          'message mail/1.eml',
          'message mail/2.eml',
          "error mail/3.eml: zip truncated: central directory missing; entry 'mail/3.eml' incomplete",
        ]);
        expect(messages(entries).map((entry) => entry.bytes)).toEqual([message(1), message(2)]);
      });
    }

    it('reads ZIP64 members with data descriptors by their local headers', async () => {
      const zip = cutInThird(await buildZip(fiveMessages({ streamed: true }), { zip64: true }));
      expect(describeEntries(await readZipBytes(zip))).toEqual([
        'message mail/1.eml',
        'message mail/2.eml',
        "error mail/3.eml: zip truncated: central directory missing; entry 'mail/3.eml' incomplete",
      ]);
    });

    it('names the archive when the cut falls between members', async () => {
      const zip = await buildZip(fiveMessages());
      const cut = zip.subarray(0, localHeaderOffsets(zip)[2]);
      expect(describeEntries(await readZipBytes(cut))).toEqual([
        'message mail/1.eml',
        'message mail/2.eml',
        'error dump.zip!/: zip truncated: central directory missing; archive ends after 2 complete entries',
      ]);
    });

    for (const streamed of [false, true]) {
      it(`still yields the complete messages at the start of a cut mbox (${streamed ? 'data descriptor' : 'sizes in header'})`, async () => {
        const mbox = Buffer.concat([1, 2, 3, 4, 5, 6].map((n) => mboxRecord(incompressibleMessage(n))));
        const zip = await buildZip([{ name: 'a.eml', data: message(0) }, { name: 'box.mbox', data: mbox, streamed }]);
        // Cut halfway through the mbox's compressed data.
        const boxData = dataStartOf(zip, localHeaderOffsets(zip)[1]!);
        const entries = await readZipBytes(zip.subarray(0, boxData + Math.floor((centralHeaderOffsets(zip)[0]! - boxData) / 2)));
        const lines = describeEntries(entries);
        expect(lines[0]).toBe('message a.eml');
        expect(lines.at(-1)).toBe("error box.mbox: mbox read failed: zip truncated: central directory missing; entry 'box.mbox' incomplete");
        const fromMbox = messages(entries).slice(1);
        expect(fromMbox.length).toBeGreaterThan(0);
        expect(fromMbox.map((entry) => entry.bytes)).toEqual([1, 2, 3, 4, 5, 6].slice(0, fromMbox.length).map(incompressibleMessage));
        expect(fromMbox.length).toBeLessThan(6);
      });
    }

    it('cannot step over a stored member with a data descriptor', async () => {
      const zip = cutInThird(await buildZip([{ name: 'a.eml', data: message(1) }, ...fiveMessages({ streamed: true, compress: false })]));
      const entries = await readZipBytes(zip);
      expect(describeEntries(entries)).toEqual([
        'message a.eml',
        "error mail/1.eml: zip truncated: central directory missing; entry 'mail/1.eml' is stored with its size only in a data descriptor, so it cannot be read or stepped over",
      ]);
    });
  });

  it('reads on from the local headers when the central directory breaks half-way', async () => {
    const zip = await buildZip(fiveMessages());
    zip.writeUInt32LE(0xdeadbeef, centralHeaderOffsets(zip)[2]!);
    const entries = await readZipBytes(zip);
    expect(messages(entries).map((entry) => entry.locator.path)).toEqual([1, 2, 3, 4, 5].map((n) => `mail/${n}.eml`));
    expect(entries.filter((entry) => entry.kind === 'error')).toEqual([
      {
        kind: 'error',
        locator: { path: 'dump.zip!/' },
        reason:
          'zip damaged: central directory unreadable after 2 entries (invalid central directory file header signature: 0xdeadbeef); 5 entries read from their local headers instead',
      },
    ]);
  });

  it('does not open zips nested deeper than the limit', async () => {
    let zip = await buildZip([{ name: 'a.eml', data: message(1) }]);
    for (let level = 0; level < 11; level++) zip = await buildZip([{ name: 'z.zip', data: zip, compress: false }]);
    await writeFiles(dir, { 'dump.zip': zip, 'ok.eml': message(2) });
    const entries = await readAll(dir);
    // dump.zip is the 1st container, the z.zip inside ten others would be the 11th.
    expect(describeEntries(entries)).toEqual([
      `error dump.zip!/${'z.zip!/'.repeat(9)}z.zip: zip nested more than 10 deep; not opened`,
      'message ok.eml',
    ]);
    expect(leftoverTempZips()).toEqual([]);
  });
});

function flipBits(bytes: Buffer, at: number, mask: number): void {
  bytes.writeUInt8(bytes.readUInt8(at) ^ mask, at);
}

function leftoverTempZips(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('leakproof-zip-'));
}
