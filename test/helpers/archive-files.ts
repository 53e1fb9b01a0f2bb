/**
 * Builds the archives the container readers take, at test time: tar (tar-stream), gzip (zlib), 7z (7-Zip in
 * WebAssembly, the same package the reader uses), and RAR5. No JavaScript library writes RAR, and the `rar` tool
 * is not free software (Debian has none to install), so a RAR5 archive of stored (uncompressed) files is put
 * together here byte by byte from the RAR 5.0 format description: signature, main header, one file header per
 * file (CRC-32 of each header, CRC-32 of the data), end-of-archive header.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import sevenZipExport, { type SevenZipModuleFactory } from '7z-wasm';
import tarStream from 'tar-stream';

export interface ArchiveMember {
  name: string;
  data: string | Buffer;
}

function bytesOf(data: string | Buffer): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1');
}

/** A tar of regular files (and `links`: symbolic links, name → target). */
export async function buildTar(members: ArchiveMember[], links: Record<string, string> = {}): Promise<Buffer> {
  const pack = tarStream.pack();
  const mtime = new Date('2020-01-01T00:00:00Z');
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk);
  })();
  for (const member of members) pack.entry({ name: member.name, mtime }, bytesOf(member.data));
  for (const [name, target] of Object.entries(links)) pack.entry({ name, type: 'symlink', linkname: target, mtime });
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

export function gzip(data: string | Buffer): Buffer {
  return gzipSync(bytesOf(data));
}

/** A .7z (LZMA2, solid) of the members, written by 7-Zip in WebAssembly through a temp folder. */
export async function build7z(members: ArchiveMember[], switches: string[] = []): Promise<Buffer> {
  const directory = await mkdtemp(join(tmpdir(), 'leakproof-test-7z-'));
  try {
    for (const member of members) {
      await mkdir(dirname(join(directory, 'in', member.name)), { recursive: true });
      await writeFile(join(directory, 'in', member.name), bytesOf(member.data));
    }
    const sevenZip = await (sevenZipExport as unknown as SevenZipModuleFactory)({ print: () => {}, printErr: () => {} });
    sevenZip.FS.mkdir('/host');
    sevenZip.FS.mount(sevenZip.NODEFS, { root: directory }, '/host');
    sevenZip.FS.chdir('/host/in');
    sevenZip.callMain(['a', '-t7z', ...switches, '/host/out.7z', ...members.map((member) => member.name)]);
    return await readFile(join(directory, 'out.7z'));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function vint(value: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Buffer.from(bytes);
}

function rarHeader(fields: Buffer[]): Buffer {
  const body = Buffer.concat(fields);
  const sized = Buffer.concat([vint(body.length), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(sized));
  return Buffer.concat([crc, sized]);
}

/**
 * A RAR5 archive of stored files. `corruptData` flips a byte of that member's data (its CRC-32 then fails).
 * `compressionInfo` is written as every file's compression information field (bits 7–9 the method, 10–14 the
 * dictionary as 128 KiB << n): what the archive declares, whatever its data holds.
 */
export function buildRar5(members: ArchiveMember[], corruptData?: string, compressionInfo = 0): Buffer {
  const HEADER_MAIN = 1;
  const HEADER_FILE = 2;
  const HEADER_END = 5;
  const HAS_DATA = 0x02;
  const FILE_HAS_CRC = 0x04;
  const HOST_UNIX = 1;
  const parts = [Buffer.from('526172211a070100', 'hex'), rarHeader([vint(HEADER_MAIN), vint(0), vint(0)])];
  for (const member of members) {
    const data = Buffer.from(bytesOf(member.data));
    const name = Buffer.from(member.name, 'utf8');
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(crc32(data));
    if (member.name === corruptData) data[0] = data[0]! ^ 0xff;
    // type, header flags, data size, file flags, unpacked size, attributes, data CRC, compression (stored), host OS, name
    parts.push(rarHeader([vint(HEADER_FILE), vint(HAS_DATA), vint(data.length), vint(FILE_HAS_CRC), vint(data.length), vint(0o644), crc, vint(compressionInfo), vint(HOST_UNIX), vint(name.length), name]), data);
  }
  parts.push(rarHeader([vint(HEADER_END), vint(0), vint(0)]));
  return Buffer.concat(parts);
}

/**
 * A copy of a .7z made with `-mhc=off` (plain header) and an LZMA coder (`-m0=LZMA…`) whose coder properties
 * declare `dictionaryBytes` instead: the 5-byte LZMA properties (lc/lp/pb, then the dictionary size, LE32) follow
 * the coder's id 03 01 01 in the header; both header CRCs are recomputed, so 7-Zip takes the archive as sound.
 * The packed data needs no change: an LZMA stream decodes the same under any larger dictionary.
 */
export function with7zLzmaDictionary(archive: Buffer, dictionaryBytes: number): Buffer {
  const coder = Buffer.from('2303010105', 'hex'); // flags (3-byte id, has properties), id, properties size 5
  const at = archive.lastIndexOf(coder);
  if (at < 0) throw new Error('no LZMA coder with properties in a plain 7z header (build with -mhc=off -m0=LZMA)');
  const patched = Buffer.from(archive);
  patched.writeUInt32LE(dictionaryBytes, at + coder.length + 1);
  const nextHeaderOffset = 32 + Number(patched.readBigUInt64LE(12));
  const nextHeaderSize = Number(patched.readBigUInt64LE(20));
  patched.writeUInt32LE(crc32(patched.subarray(nextHeaderOffset, nextHeaderOffset + nextHeaderSize)), 28);
  patched.writeUInt32LE(crc32(patched.subarray(12, 32)), 8);
  return patched;
}
