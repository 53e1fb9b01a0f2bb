import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declaredCoderMemory } from '../../../shared/dump/coder-memory.ts';
import { MAX_ARCHIVE_CODER_MEMORY_BYTES } from '../../../shared/dump/limits.ts';
import { build7z, buildRar5, with7zLzmaDictionary } from '../../helpers/archive-files.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { describe as describeEntries, eachTestInOwnTempDir, messages, readAll } from '../../helpers/dump-files.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

let dir: string;
eachTestInOwnTempDir((folder) => (dir = folder));

const message = (n: number): Buffer => buildMessage({ subject: `Message ${n}`, messageId: `<${n}@campaign.example>`, body: `Body ${n}\r\n`.repeat(20) });

async function dumpOf(name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** A folder dump of the archive and a good message beside it (a dump of nothing but errors is refused whole). */
async function besideAMessage(name: string, bytes: Buffer): Promise<string> {
  const folder = join(dir, `dump-${name}`);
  await mkdir(folder);
  await writeFile(join(folder, name), bytes);
  await writeFile(join(folder, 'zz.eml'), message(0));
  return folder;
}

/** Reads the dump in a child process: its entries and the child's peak RSS (the test runner's own memory apart). */
function readInChild(path: string): { lines: string[]; peakRssBytes: number } {
  const run = spawnSync(process.execPath, [resolve('test/helpers/read-dump-peak.ts'), path], { encoding: 'utf8', env: { ...process.env }, maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`reader child failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as { lines: string[]; peakRssBytes: number };
}

const overTheCap = /its decoder declares 1024 MiB of working memory \((LZMA:30|v6:m3:1G)\), over the 64 MiB limit for archives/;

describe('the working memory an archive declares (7-Zip listing)', () => {
  it('reads the sizes 7-Zip prints for each coder, adding up the coders of one chain', () => {
    expect(declaredCoderMemory('LZMA2:24')).toBe(16 * MiB);
    expect(declaredCoderMemory('LZMA:1536m')).toBe(1536 * MiB);
    expect(declaredCoderMemory('LZMA2:6k')).toBe(6 * 1024);
    expect(declaredCoderMemory('LZMA:4294967295b')).toBe(2 ** 32 - 1);
    expect(declaredCoderMemory('PPMD:o6:mem24')).toBe(16 * MiB);
    expect(declaredCoderMemory('BCJ2 LZMA2:26 LZMA:20 LZMA:20')).toBe(64 * MiB + 2 * MiB);
    expect(declaredCoderMemory('v6:m3:1G')).toBe(GiB);
    expect(declaredCoderMemory('v7:148G:m3')).toBe(148 * GiB);
    expect(declaredCoderMemory('m3:22')).toBe(4 * MiB);
    expect(declaredCoderMemory('LZMA2:24 7zAES:19')).toBe(16 * MiB); // AES's 19 is a count of hashing rounds
    expect(declaredCoderMemory('BZip2')).toBe(0);
    expect(declaredCoderMemory('')).toBe(0);
  });

  it('refuses a 7z declaring a 1 GiB LZMA dictionary before extracting it, each member an error naming the cap; an ordinary 7z still reads', async () => {
    const plain = await build7z([{ name: 'a.eml', data: message(1) }, { name: 'b.eml', data: message(2) }], ['-mhc=off', '-m0=LZMA']);
    const hostile = with7zLzmaDictionary(plain, GiB);
    const started = performance.now();
    const lines = describeEntries(await readAll(await besideAMessage('huge.7z', hostile)));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^error huge\\.7z!/a\\.eml: not extracted: ${overTheCap.source}$`)),
      expect.stringMatching(new RegExp(`^error huge\\.7z!/b\\.eml: not extracted: ${overTheCap.source}$`)),
      expect.stringMatching(new RegExp(`^error huge\\.7z!/: archive not extracted: ${overTheCap.source}$`)),
      'message zz.eml',
    ]);

    // The same archive declaring the cap exactly (7-Zip -mx=9's 64 MiB) reads, byte for byte.
    const entries = await readAll(await dumpOf('ok.7z', with7zLzmaDictionary(plain, MAX_ARCHIVE_CODER_MEMORY_BYTES)));
    expect(describeEntries(entries)).toEqual(['message a.eml', 'message b.eml']);
    expect(messages(entries).map((entry) => entry.bytes)).toEqual([message(1), message(2)]);
  });

  it('refuses a RAR5 declaring a 1 GiB dictionary', async () => {
    const METHOD_3 = 3 << 7;
    const DICTIONARY_1_GIB = 13 << 10; // 128 KiB << 13
    const rar = buildRar5([{ name: 'a.eml', data: message(1) }], undefined, METHOD_3 | DICTIONARY_1_GIB);
    expect(describeEntries(await readAll(await besideAMessage('huge.rar', rar)))).toEqual([
      expect.stringMatching(new RegExp(`^error huge\\.rar!/a\\.eml: not extracted: ${overTheCap.source}$`)),
      expect.stringMatching(new RegExp(`^error huge\\.rar!/: archive not extracted: ${overTheCap.source}$`)),
      'message zz.eml',
    ]);
  });

  it('keeps RSS bounded: the dictionary a hostile 7z declares is never filled (7-Zip would fill it as it decodes)', async () => {
    // 96 MiB that LZMA packs ~57× (under the 100× ratio limit, so 7-Zip would decode all of it), packed with a
    // small dictionary; the copy declares 1 GiB. Unrefused, 7-Zip's window holds all 96 MiB it decodes:
    // measured +92 MB of peak RSS over the same archive declaring its real dictionary.
    const size = 96 * MiB;
    const noisy = Buffer.alloc(size);
    const noise = randomBytes(size / 100);
    for (let index = 0; index < noise.length; index++) noisy[index * 100] = noise[index]!;
    const packed = await build7z([{ name: 'noise.bin', data: noisy }], ['-mhc=off', '-m0=LZMA:d16', '-mx=1']);
    expect(size / packed.length).toBeLessThan(100);

    const ordinary = readInChild(await besideAMessage('ordinary.7z', packed));
    expect(ordinary.lines).toEqual(['document ordinary.7z!/noise.bin', 'message zz.eml']);
    const hostile = readInChild(await besideAMessage('hostile.7z', with7zLzmaDictionary(packed, GiB)));
    expect(hostile.lines).toEqual([
      expect.stringMatching(new RegExp(`^error hostile\\.7z!/noise\\.bin: not extracted: ${overTheCap.source}$`)),
      expect.stringMatching(/^error hostile\.7z!\/: archive not extracted: /),
      'message zz.eml',
    ]);
    expect(hostile.peakRssBytes).toBeLessThan(ordinary.peakRssBytes + 16 * MiB);
  }, 60_000);
});
