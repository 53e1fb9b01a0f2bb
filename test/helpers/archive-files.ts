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
 * A copy of a .7z whose last LZMA coder with properties declares `dictionaryBytes` instead: the 5-byte LZMA
 * properties (lc/lp/pb, then the dictionary size, LE32) follow the coder's id 03 01 01. In an archive made with
 * `-mhc=off -m0=LZMA…` that is the files' coder (in the plain header); in one with a compressed header (7-Zip's
 * default) it is the coder of the encoded header, the header's last bytes. Both header CRCs are recomputed, so
 * 7-Zip takes the archive as sound; the packed data needs no change (LZMA decodes the same under a larger dictionary).
 */
export function with7zLzmaDictionary(archive: Buffer, dictionaryBytes: number): Buffer {
  const coder = Buffer.from('2303010105', 'hex'); // flags (3-byte id, has properties), id, properties size 5
  const at = archive.lastIndexOf(coder);
  if (at < 0) throw new Error('no LZMA coder with properties in the 7z header (build with -m0=LZMA, or a compressed header)');
  const patched = Buffer.from(archive);
  patched.writeUInt32LE(dictionaryBytes, at + coder.length + 1);
  return resealed7z(patched);
}

/** Where a 7z's next header lies (its start header's offset from byte 32, and size). */
export function next7zHeader(archive: Buffer): { offset: number; size: number } {
  return { offset: 32 + Number(archive.readBigUInt64LE(12)), size: Number(archive.readBigUInt64LE(20)) };
}

/** The archive with its start header's CRCs (of the next header, of the start header) made right again. */
export function resealed7z(archive: Buffer): Buffer {
  const { offset, size } = next7zHeader(archive);
  archive.writeUInt32LE(crc32(archive.subarray(offset, offset + size)), 28);
  archive.writeUInt32LE(crc32(archive.subarray(12, 32)), 8);
  return archive;
}

/** 7z's NUMBER (7zFormat.txt): the first byte's leading 1 bits count the little-endian bytes after it. */
function sevenZipNumber(value: number): Buffer {
  let big = BigInt(value);
  let extra = 0;
  while (extra < 8 && big >= 1n << BigInt(7 * (extra + 1))) extra++;
  const bytes = Buffer.alloc(extra + 1);
  for (let index = 1; index <= extra; index++) {
    bytes[index] = Number(big & 0xffn);
    big >>= 8n;
  }
  bytes[0] = ((0xff00 >> extra) & 0xff) | Number(big);
  return bytes;
}

export interface EncodedHeaderSpec {
  /** The packed header: at this offset after the 32-byte signature header, of this size. */
  packPosition: number;
  packedSize: number;
  /** The one coder that decodes it: its id (hex) and properties. */
  coder: { id: string; properties: Buffer };
  /** What the coder declares it puts out. */
  unpackSize: number;
}

/**
 * A 7z whose header is encoded as `spec` says, written by hand as 7zFormat.txt lays out an EncodedHeader
 * (PackInfo, UnpackInfo with one folder of one coder): the bytes 32…32+packPosition+packedSize of `body` (its
 * packed streams), then that description, with a start header pointing at it.
 */
export function with7zEncodedHeader(body: Buffer, spec: EncodedHeaderSpec): Buffer {
  const id = Buffer.from(spec.coder.id, 'hex');
  const hasProperties = spec.coder.properties.length > 0 ? 0x20 : 0;
  const description = Buffer.concat([
    Buffer.from([0x17, 0x06]), sevenZipNumber(spec.packPosition), sevenZipNumber(1), Buffer.from([0x09]), sevenZipNumber(spec.packedSize), Buffer.from([0x00]),
    Buffer.from([0x07, 0x0b]), sevenZipNumber(1), Buffer.from([0x00]),
    sevenZipNumber(1), Buffer.from([id.length | hasProperties]), id,
    hasProperties ? Buffer.concat([sevenZipNumber(spec.coder.properties.length), spec.coder.properties]) : Buffer.alloc(0),
    Buffer.from([0x0c]), sevenZipNumber(spec.unpackSize), Buffer.from([0x00, 0x00]),
  ]);
  const packed = body.subarray(32, 32 + spec.packPosition + spec.packedSize);
  const start = Buffer.alloc(32);
  body.copy(start, 0, 0, 8); // signature and version
  start.writeBigUInt64LE(BigInt(packed.length), 12);
  start.writeBigUInt64LE(BigInt(description.length), 20);
  return resealed7z(Buffer.concat([start, packed, description]));
}
