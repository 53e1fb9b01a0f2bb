import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ARCHIVE_CODER_MEMORY_BYTES, MAX_7Z_HEADER_BYTES } from '../../../shared/dump/limits.ts';
import { checkSevenZipHeader } from '../../../shared/dump/seven-zip-header.ts';
import { build7z, next7zHeader, resealed7z, with7zEncodedHeader, with7zLzmaDictionary, type EncodedHeaderSpec } from '../../helpers/archive-files.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { describe as describeEntries, makeTempDir, messages, readAll, removeDir } from '../../helpers/dump-files.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

let dir: string;
const systemTmp = process.env.TMPDIR;
beforeEach(async () => {
  dir = await makeTempDir();
  process.env.TMPDIR = join(dir, 'tmp');
  await mkdir(process.env.TMPDIR);
});
afterEach(async () => {
  if (systemTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = systemTmp;
  await removeDir(dir);
});

const message = (n: number): Buffer => buildMessage({ subject: `Message ${n}`, messageId: `<${n}@campaign.example>`, body: `Body ${n}\r\n`.repeat(20) });
const twoMessages = [{ name: 'a.eml', data: message(1) }, { name: 'b.eml', data: message(2) }];

/** A folder dump of the archive and a good message beside it (a dump of nothing but errors is refused whole). */
let dumps = 0;
async function besideAMessage(name: string, bytes: Buffer): Promise<string> {
  const folder = join(dir, `dump-${++dumps}`);
  await mkdir(folder);
  await writeFile(join(folder, name), bytes);
  await writeFile(join(folder, 'zz.eml'), message(0));
  return folder;
}

async function linesOf(name: string, bytes: Buffer): Promise<string[]> {
  return describeEntries(await readAll(await besideAMessage(name, bytes)));
}

/** Reads the dump in a child process: its entries and the child's peak RSS (the test runner's own memory apart). */
function readInChild(path: string): { lines: string[]; peakRssBytes: number } {
  const run = spawnSync(process.execPath, [resolve('test/helpers/read-dump-peak.ts'), path], { encoding: 'utf8', env: { ...process.env }, maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`reader child failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as { lines: string[]; peakRssBytes: number };
}

/** The LZMA coder's 5 property bytes in a 7z made with -m0=LZMA (the last LZMA coder in its header), the dictionary set. */
function lzmaProperties(archive: Buffer, dictionaryBytes?: number): Buffer {
  const coder = Buffer.from('2303010105', 'hex');
  const at = archive.lastIndexOf(coder) + coder.length;
  const properties = Buffer.from(archive.subarray(at, at + 5));
  if (dictionaryBytes !== undefined) properties.writeUInt32LE(dictionaryBytes, 1);
  return properties;
}

/**
 * A 7z of the two messages whose header is compressed by hand: the plain header 7-Zip wrote for them, packed with
 * LZMA (by 7-Zip, as the one file of a second archive) and placed after their data, described by an encoded header
 * whose coder is `coder` (by default the LZMA that packed it, honestly declared).
 */
async function handEncoded(coder?: (lzma: Buffer) => EncodedHeaderSpec['coder']): Promise<Buffer> {
  const plain = await build7z(twoMessages, ['-mhc=off']);
  const header = next7zHeader(plain);
  const packedHeader = await build7z([{ name: 'header', data: plain.subarray(header.offset, header.offset + header.size) }], ['-mhc=off', '-m0=LZMA']);
  const packedEnd = next7zHeader(packedHeader).offset;
  const body = Buffer.concat([plain.subarray(0, header.offset), packedHeader.subarray(32, packedEnd)]);
  const lzma = lzmaProperties(packedHeader);
  return with7zEncodedHeader(body, {
    packPosition: header.offset - 32,
    packedSize: packedEnd - 32,
    coder: coder?.(lzma) ?? { id: '030101', properties: lzma },
    unpackSize: header.size,
  });
}

const headerOverTheCap = (method: string, mib: number): RegExp =>
  new RegExp(`^error huge\\.7z!/: archive not read: its header's decoder declares ${mib} MiB of working memory \\(${method}\\), over the 64 MiB limit for archives$`);

describe("a 7z's compressed header, checked before 7-Zip decodes it", () => {
  it('reads a 7z whose header 7-Zip compressed (its default), and one compressed by hand as 7zFormat.txt lays it out', async () => {
    const archive = await build7z(twoMessages);
    expect(archive[next7zHeader(archive).offset]).toBe(0x17); // kEncodedHeader
    const entries = await readAll(await besideAMessage('default.7z', archive));
    expect(describeEntries(entries)).toEqual(['message default.7z!/a.eml', 'message default.7z!/b.eml', 'message zz.eml']);
    expect(messages(entries).map((entry) => entry.bytes)).toEqual([message(1), message(2), message(0)]);

    expect(await linesOf('hand.7z', await handEncoded())).toEqual(['message hand.7z!/a.eml', 'message hand.7z!/b.eml', 'message zz.eml']);
  });

  it("refuses a 7z whose compressed header's LZMA dictionary declares 1 GiB, quickly, with no listing; the cap itself reads", async () => {
    const archive = await build7z(twoMessages);
    const started = performance.now();
    expect(await linesOf('huge.7z', with7zLzmaDictionary(archive, GiB))).toEqual([expect.stringMatching(headerOverTheCap('LZMA:30', 1024)), 'message zz.eml']);
    expect(performance.now() - started).toBeLessThan(5000);
    // Declaring exactly the cap is allowed (and the patch alone breaks nothing).
    expect(await linesOf('ok.7z', with7zLzmaDictionary(archive, MAX_ARCHIVE_CODER_MEMORY_BYTES))).toEqual(['message ok.7z!/a.eml', 'message ok.7z!/b.eml', 'message zz.eml']);
  });

  it('refuses a header encoded with an LZMA2 or PPMd coder declaring too much, an unknown coder, or an encrypted header', async () => {
    expect(await linesOf('huge.7z', await handEncoded(() => ({ id: '21', properties: Buffer.from([40]) })))).toEqual([
      "error huge.7z!/: archive not read: its header's decoder declares 4294967295 bytes of working memory (LZMA2:4294967295b), over the 64 MiB limit for archives",
      'message zz.eml',
    ]);
    expect(await linesOf('huge.7z', await handEncoded(() => ({ id: '21', properties: Buffer.from([36]) })))).toEqual([expect.stringMatching(headerOverTheCap('LZMA2:30', 1024)), 'message zz.eml']);
    const ppmd = Buffer.alloc(5);
    ppmd[0] = 6;
    ppmd.writeUInt32LE(GiB, 1);
    expect(await linesOf('huge.7z', await handEncoded(() => ({ id: '030401', properties: ppmd })))).toEqual([expect.stringMatching(headerOverTheCap('PPMD:o6:mem30', 1024)), 'message zz.eml']);
    expect(await linesOf('zstd.7z', await handEncoded(() => ({ id: '04f71101', properties: Buffer.from([1, 5, 3, 0, 0]) })))).toEqual([
      "error zstd.7z!/: archive not read: its header is encoded with a method not known here (id 04f71101)",
      'message zz.eml',
    ]);
    expect(await linesOf('secret.7z', await build7z(twoMessages, ['-mhe=on', '-psecret']))).toEqual([
      'error secret.7z!/: archive not read: its header is encrypted (7zAES): it cannot be listed without the password',
      'message zz.eml',
    ]);
    // The refusals are for what the coders declare: the same with a 1 MiB LZMA2 dictionary is handed to 7-Zip
    // (which then finds the LZMA data is no LZMA2 stream: damage it reports, not memory spent).
    const small = join(dir, 'small.7z');
    await writeFile(small, await handEncoded(() => ({ id: '21', properties: Buffer.from([16]) })));
    expect(await checkSevenZipHeader(small, (await stat(small)).size)).toEqual({ kind: 'checked' });
  });

  it('says a cut, misplaced or garbage header is damaged, quickly, and the rest of the dump runs', async () => {
    const archive = await build7z(twoMessages);
    const { offset } = next7zHeader(archive);
    const pastTheEnd = Buffer.from(archive);
    pastTheEnd.writeBigUInt64LE(BigInt(archive.length), 12);
    const garbage = Buffer.concat([archive.subarray(0, offset), randomBytes(64)]);
    garbage[offset] = 0x17;
    garbage.writeBigUInt64LE(64n, 20);
    const notAHeader = Buffer.from(garbage);
    notAHeader[offset] = 0x42;
    const unfinished = Buffer.from(archive);
    unfinished.fill(0, 8, 32);
    const started = performance.now();
    const cases: [string, Buffer, string][] = [
      ['signature header cut', archive.subarray(0, 20), 'a 7z cut inside its 32-byte signature header'],
      ['archive cut', archive.subarray(0, archive.length - 10), `its header lies past the end of the file (at ${offset}, ${archive.length - offset} bytes, in a file of ${archive.length - 10}): a cut archive`],
      ['offset past the end', resealed7z(pastTheEnd), `its header lies past the end of the file (at ${archive.length + 32}, ${archive.length - offset} bytes, in a file of ${archive.length}): a cut archive`],
      ['start header damaged', Buffer.concat([archive.subarray(0, 12), Buffer.from([archive[12]! ^ 1]), archive.subarray(13)]), 'its start header is damaged (CRC-32 mismatch)'],
      ['unfinished', unfinished, 'an unfinished 7z (its start header is empty)'],
      ['not a header', resealed7z(notAHeader), 'its header starts with 0x42, neither a header nor an encoded one'],
    ];
    for (const [, bytes, reason] of cases) {
      expect(await linesOf('broken.7z', bytes)).toEqual([`error broken.7z!/: archive damaged: ${reason}`, 'message zz.eml']);
    }
    expect(await linesOf('broken.7z', resealed7z(garbage))).toEqual([expect.stringMatching(/^error broken\.7z!\/: archive damaged: its encoded header's /), 'message zz.eml']);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("says a header that decodes to something else is damage, and leaves the process's exit code alone", async () => {
    // A sound description whose packed "header" is a message LZMA packed: 7-Zip decodes it, then cannot parse it.
    const packed = await build7z([{ name: 'a.eml', data: message(1) }], ['-mhc=off', '-m0=LZMA']);
    const notAHeader = with7zEncodedHeader(packed, { packPosition: 0, packedSize: next7zHeader(packed).offset - 32, coder: { id: '030101', properties: lzmaProperties(packed) }, unpackSize: message(1).length });
    const exitCode = process.exitCode;
    expect(await linesOf('x.7z', notAHeader)).toEqual(['error x.7z!/: archive damaged: ERROR: 7-Zip stopped: an internal error (an exception it did not handle)', 'message zz.eml']);
    expect(process.exitCode).toBe(exitCode); // emscripten had set it to 1
  });

  it('never opens as a 7z a file that does not start as one (7-Zip would find the 7z past a RAR signature)', async () => {
    const archive = await build7z(twoMessages);
    const rarThen7z = Buffer.concat([Buffer.from('526172211a070100', 'hex'), Buffer.alloc(100, 0x41), archive]);
    expect(await linesOf('x.rar', rarThen7z)).toEqual([expect.stringMatching(/^error x\.rar!\/: archive damaged: /), 'message zz.eml']);
  });

  it('refuses a compressed header that unpacks past MAX_7Z_HEADER_BYTES, within the ratio limit and with a small dictionary', async () => {
    const packed = await build7z([{ name: 'noise.bin', data: randomBytes(MiB) }], ['-mhc=off', '-m0=LZMA:d16', '-mx=1']);
    const packedSize = next7zHeader(packed).offset - 32;
    const unpackSize = MAX_7Z_HEADER_BYTES + MiB;
    expect(unpackSize / packedSize).toBeLessThan(100);
    const tooLong = with7zEncodedHeader(packed, { packPosition: 0, packedSize, coder: { id: '030101', properties: lzmaProperties(packed) }, unpackSize });
    expect(await linesOf('long.7z', tooLong)).toEqual([expect.stringMatching(/^error long\.7z!\/: .*unpacks to \d+ bytes, over the 32 MiB read/), 'message zz.eml']);
  });

  it('keeps RSS bounded: a compressed header declaring 1 GiB is never decoded (7-Zip would fill the dictionary and the header buffer)', async () => {
    // The "header" is 96 MiB that LZMA packs ~57× (under the 100× ratio limit, so only the dictionary refuses it),
    // packed with a 64 KiB dictionary; its description declares 1 GiB. Unrefused, 7-Zip decodes all of it into
    // its header buffer through a window as large, before anything is listed: measured 530 MB peak RSS for the
    // reading process with the check lifted, 116 MB refused (a small ordinary 7z: 128 MB).
    const size = 96 * MiB;
    const noisy = Buffer.alloc(size);
    const noise = randomBytes(size / 100);
    for (let index = 0; index < noise.length; index++) noisy[index * 100] = noise[index]!;
    const packed = await build7z([{ name: 'noise.bin', data: noisy }], ['-mhc=off', '-m0=LZMA:d16', '-mx=1']);
    const packedSize = next7zHeader(packed).offset - 32;
    expect(size / packedSize).toBeLessThan(100);
    const hostile = with7zEncodedHeader(packed, { packPosition: 0, packedSize, coder: { id: '030101', properties: lzmaProperties(packed, GiB) }, unpackSize: size });

    const ordinary = readInChild(await besideAMessage('ordinary.7z', await build7z(twoMessages)));
    expect(ordinary.lines).toEqual(['message ordinary.7z!/a.eml', 'message ordinary.7z!/b.eml', 'message zz.eml']);
    const started = performance.now();
    const refused = readInChild(await besideAMessage('huge.7z', hostile));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(refused.lines).toEqual([expect.stringMatching(headerOverTheCap('LZMA:30', 1024)), 'message zz.eml']);
    expect(refused.peakRssBytes).toBeLessThan(ordinary.peakRssBytes + 16 * MiB);
  }, 60_000);
});
