import { mkdir, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build7z, buildRar5, buildTar, gzip } from '../../helpers/archive-files.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { buildZip, describe as describeEntries, eachTestInOwnTempDir, mboxRecord, messages, readAll } from '../../helpers/dump-files.ts';

let dir: string;
// Temp copies and extractions go to this test's own folder, so leftovers can be counted.
eachTestInOwnTempDir((folder) => (dir = folder));

const message = (n: number): Buffer => buildMessage({ subject: `Message ${n}`, messageId: `<${n}@campaign.example>`, body: `Body ${n}\r\n`.repeat(20) });

async function dumpOf(name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** A folder dump of one file and a good message beside it (a dump of nothing but errors is refused whole). */
async function besideAMessage(name: string, bytes: Buffer): Promise<string[]> {
  const folder = join(dir, `dump-${name}`);
  await mkdir(folder);
  await writeFile(join(folder, name), bytes);
  await writeFile(join(folder, 'zz.eml'), message(0));
  const lines = describeEntries(await readAll(folder));
  expect(lines.pop()).toBe('message zz.eml');
  return lines;
}

function leftovers(): string[] {
  return readdirSync(process.env.TMPDIR!);
}

describe('tar', () => {
  it('reads a tar of messages, folders and a link, each message byte for byte', async () => {
    const tar = await buildTar([{ name: 'dir/a.eml', data: message(1) }, { name: './b.eml', data: message(2) }, { name: 'notes.txt', data: 'plain notes' }], { 'link.eml': 'dir/a.eml' });
    const entries = await readAll(await dumpOf('box.tar', tar));
    expect(describeEntries(entries)).toEqual(['message dir/a.eml', 'message b.eml', 'document notes.txt', 'skipped link.eml: tar link (not followed)']);
    expect(messages(entries).map((entry) => entry.bytes)).toEqual([message(1), message(2)]);
  });

  it('locates the members of a tar.gz inside a folder as "a.tar.gz!/dir/b.eml", and a duplicate name by its ordinal', async () => {
    const tgz = gzip(await buildTar([{ name: 'dir/b.eml', data: message(1) }, { name: 'dir/b.eml', data: message(2) }]));
    await mkdir(join(dir, 'dump'));
    await writeFile(join(dir, 'dump', 'a.tar.gz'), tgz);
    await writeFile(join(dir, 'dump', 'c.tgz'), tgz);
    const entries = await readAll(join(dir, 'dump'));
    expect(describeEntries(entries)).toEqual(['message a.tar.gz!/dir/b.eml', 'message a.tar.gz!/dir/b.eml@1', 'message c.tgz!/dir/b.eml', 'message c.tgz!/dir/b.eml@1']);
    expect(messages(entries)[1]!.bytes).toEqual(message(2));
  });

  it('reads the complete members of a cut tar, then says the archive is damaged', async () => {
    const tar = await buildTar([{ name: 'a.eml', data: message(1) }, { name: 'b.eml', data: message(2) }]);
    const cut = tar.subarray(0, 512 + Math.ceil(message(1).length / 512) * 512 + 700);
    const lines = describeEntries(await readAll(await dumpOf('cut.tar', cut)));
    expect(lines[0]).toBe('message a.eml');
    expect(lines.slice(1)).toEqual(['error b.eml: tar member cut short (the archive is damaged or incomplete)', 'error cut.tar!/: tar damaged after 2 members: Unexpected end of data']);
  });
});

describe('gzip', () => {
  it('reads a gzipped mbox as the mbox it holds, messages located by their offsets in it', async () => {
    const mbox = Buffer.concat([mboxRecord(message(1)), mboxRecord(message(2))]);
    const entries = await readAll(await dumpOf('box.mbox.gz', gzip(mbox)));
    expect(describeEntries(entries)).toEqual(['message box.mbox.gz#0', `message box.mbox.gz#${mboxRecord(message(1)).length}`]);
    expect(messages(entries)[1]!.bytes).toEqual(message(2));
  });

  it('reads a gzipped message as the message', async () => {
    const entries = await readAll(await dumpOf('a.eml.gz', gzip(message(1))));
    expect(describeEntries(entries)).toEqual(['message a.eml.gz']);
    expect(messages(entries)[0]!.bytes).toEqual(message(1));
  });

  it('stops a gzip bomb while inflating it, and gzip layers inside gzip layers share one allowance', async () => {
    const bomb = gzip(Buffer.alloc(300 * 1024 * 1024, 0x61)); // ~300 KB holding 300 MiB
    expect(await besideAMessage('big.mbox.gz', bomb)).toEqual([expect.stringMatching(/^error big\.mbox\.gz: mbox read failed: compressed data inflates past \d+ bytes, .*a decompression bomb/)]);
    // Each layer 80x its input: alone within the 100x limit, together 6,400x: stopped.
    const nested = gzip(gzip(Buffer.alloc(64 * 1024 * 1024, 0x62)));
    expect(await besideAMessage('twice.mbox.gz.gz', nested)).toEqual([expect.stringMatching(/^error twice\.mbox\.gz\.gz: mbox read failed: .*a decompression bomb/)]);
  });

  it('reports a damaged gzip as an error and a gzip quine-like chain deeper than the nesting limit as not opened', async () => {
    const damaged = gzip(message(1));
    damaged[damaged.length - 6] = damaged[damaged.length - 6]! ^ 0xff; // the CRC-32 trailer
    expect(await besideAMessage('bad.eml.gz', damaged)).toEqual(['error bad.eml.gz: gzip data damaged: incorrect data check']);
    let layered: Buffer = message(1);
    for (let n = 0; n < 12; n++) layered = gzip(layered);
    expect(await besideAMessage('deep.eml' + '.gz'.repeat(12), layered)).toEqual([`error deep.eml${'.gz'.repeat(12)}: gzip nested more than 10 deep; not opened`]);
  });
});

describe('7z and rar (7-Zip in WebAssembly)', () => {
  it('reads a solid 7z of messages and an mbox, in path order, and removes its extraction', async () => {
    const archive = await build7z([{ name: 'b/1.eml', data: message(1) }, { name: 'a.eml', data: message(2) }, { name: 'box.mbox', data: mboxRecord(message(3)) }]);
    const entries = await readAll(await dumpOf('leak.7z', archive));
    expect(describeEntries(entries)).toEqual(['message a.eml', 'message b/1.eml', 'message box.mbox#0']);
    expect(messages(entries).map((entry) => entry.bytes)).toEqual([message(2), message(1), message(3)]);
    expect(leftovers()).toEqual([]);
  });

  it('reads containers nested in any order: a 7z in a zip holding a tar.gz, located all the way down', async () => {
    const tgz = gzip(await buildTar([{ name: 'z.eml', data: message(1) }]));
    const inner = await build7z([{ name: 'y.tar.gz', data: tgz }, { name: 'w.eml', data: message(2) }]);
    const zip = await buildZip([{ name: 'x.7z', data: inner }]);
    const entries = await readAll(await dumpOf('outer.zip', zip));
    expect(describeEntries(entries)).toEqual(['message x.7z!/w.eml', 'message x.7z!/y.tar.gz!/z.eml']);
    expect(messages(entries)[1]!.bytes).toEqual(message(1));
    expect(leftovers()).toEqual([]);
  });

  it('reads a RAR5 archive, and names a member whose data fails its CRC-32 as an error while the rest is read', async () => {
    const rar = buildRar5([{ name: 'inbox/a.eml', data: message(1) }, { name: 'inbox/b.eml', data: message(2) }], 'inbox/b.eml');
    const entries = await readAll(await dumpOf('leak.rar', rar));
    expect(describeEntries(entries)).toEqual(['message inbox/a.eml', 'error inbox/b.eml: archive member unreadable: CRC Failed']);
    expect(messages(entries)[0]!.bytes).toEqual(message(1));
  });

  it('stops a 7z bomb while 7-Zip writes it: the file being written is an error naming the limit', async () => {
    const bomb = await build7z([{ name: 'a.eml', data: message(1) }, { name: 'b.txt', data: Buffer.alloc(200 * 1024 * 1024) }, { name: 'c.eml', data: message(2) }], ['-mx=9']);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const lines = describeEntries(await readAll(await dumpOf('bomb.7z', bomb)));
    const limit = /archive unpacks past \d+ bytes, over 100 times its size \(a decompression bomb\); extracted no further/;
    expect(lines).toEqual([
      'message a.eml',
      expect.stringMatching(new RegExp(`^error b\\.txt: ${limit.source}`)),
      expect.stringMatching(new RegExp(`^error c\\.eml: not extracted: archive not read to its end: ${limit.source}`)),
      expect.stringMatching(new RegExp(`^error bomb\\.7z!/: archive not read to its end: ${limit.source}`)),
    ]);
    expect(leftovers()).toEqual([]);
  }, 180_000); // ~9 s alone: 7-Zip in WebAssembly writes 100 MiB of it; a busy machine takes several times that

  it('says a file that is not the archive it looks like is damaged, and the rest of the dump still runs', async () => {
    const fake = Buffer.concat([Buffer.from('377abcaf271c0004', 'hex'), Buffer.alloc(200, 7)]);
    expect(await besideAMessage('broken.7z', fake)).toEqual([expect.stringMatching(/^error broken\.7z!\/: archive damaged: /)]);
  });
});
