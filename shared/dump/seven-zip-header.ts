/**
 * A .7z's own header, read before 7-Zip sees the file, so that a compressed header cannot spend memory before the
 * coder-memory check on 7-Zip's listing (seven-zip.ts) runs. 7-Zip compresses the header by default (-mhc=on): to
 * list an archive it must first decode that header with the coder the archive names for it, allocating the
 * dictionary (or PPMd model) those coders declare and a buffer of the size the header says it unpacks to — up to
 * the 2 GiB of 7-Zip's WebAssembly heap, before any listing exists.
 *
 * Layout (7-Zip's DOC/7zFormat.txt): a 32-byte signature header (signature, version, CRC-32 of the 20 bytes that
 * follow, then the next header's offset from byte 32, its size and its CRC-32). The next header is a plain Header
 * (0x01), or, when compressed, an EncodedHeader (0x17) followed by the StreamsInfo that says how to decode it:
 * PackInfo (where the packed header lies, its size), UnpackInfo (its folder: coders with their properties, and the
 * sizes they put out). Only that description is read, never the packed header: at most
 * MAX_ENCODED_HEADER_DESCRIPTION_BYTES (7-Zip writes ~30 bytes), in one pass with no backtracking.
 *
 * Anything 7-Zip would treat differently from what is checked here is refused rather than handed on: a damaged or
 * empty start header (7-Zip would search the rest of the file for another header), a header past the file's end,
 * a coder not known here, a description not laid out as 7zFormat.txt says.
 */
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { coderMemoryRefusal } from './coder-memory.ts';
import { describeError } from './errors.ts';
import { inflateLimit, MAX_7Z_HEADER_BYTES, MAX_INFLATE_RATIO } from './limits.ts';

const SIGNATURE = Buffer.from('377abcaf271c', 'hex');
const SIGNATURE_HEADER_BYTES = 32;
/** A real encoded header's description is tens of bytes; one this large is not from any writer. */
export const MAX_ENCODED_HEADER_DESCRIPTION_BYTES = 1024 * 1024;
/** 7-Zip's own limit on the coders of one folder. */
const MAX_CODERS = 64;

const ID = { end: 0x00, header: 0x01, packInfo: 0x06, unpackInfo: 0x07, size: 0x09, crc: 0x0a, folder: 0x0b, codersUnpackSize: 0x0c, encodedHeader: 0x17 };

export type SevenZipHeaderCheck =
  /** Not a 7z (no signature at its start): 7-Zip must not look for one further in (seven-zip.ts says so). */
  | { kind: 'not-7z' }
  /** A 7z 7-Zip may open: its header is plain, or compressed with coders declaring no more than the limits. */
  | { kind: 'checked' }
  /** Not to be opened: `damaged` when the header is not as 7zFormat.txt lays it out (cut, CRC-32, garbage). */
  | { kind: 'refused'; reason: string; damaged: boolean };

/** Checks the archive at `filePath` (of `fileSize` bytes) as the module comment says. Never throws. */
export async function checkSevenZipHeader(filePath: string, fileSize: number): Promise<SevenZipHeaderCheck> {
  let file;
  try {
    file = await open(filePath, 'r');
    const read = async (position: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file!.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    };
    const start = await read(0, SIGNATURE_HEADER_BYTES);
    if (start.length < SIGNATURE.length || !start.subarray(0, SIGNATURE.length).equals(SIGNATURE)) return { kind: 'not-7z' };
    const next = nextHeaderPlace(start, fileSize);
    if (next.size === 0) return { kind: 'checked' }; // an empty archive: no header to decode
    const [kind] = await read(next.offset, 1);
    if (kind === ID.header) return { kind: 'checked' }; // plain: 7-Zip reads it as it is, nothing to decode
    if (kind !== ID.encodedHeader) throw new HeaderDamage(`its header starts with 0x${(kind ?? 0).toString(16).padStart(2, '0')}, neither a header nor an encoded one`);
    if (next.size > MAX_ENCODED_HEADER_DESCRIPTION_BYTES) throw new HeaderDamage(`its encoded header's description takes ${next.size} bytes (a real one takes tens)`);
    const description = await read(next.offset, next.size);
    if (description.length < next.size || crc32(description) !== next.crc) throw new HeaderDamage('its header is damaged (CRC-32 mismatch)');
    const refusal = encodedHeaderRefusal(description, fileSize);
    return refusal === undefined ? { kind: 'checked' } : { kind: 'refused', reason: refusal, damaged: false };
  } catch (error) {
    if (error instanceof HeaderDamage) return { kind: 'refused', reason: error.message, damaged: true };
    return { kind: 'refused', reason: `its header could not be read: ${describeError(error)}`, damaged: false };
  } finally {
    await file?.close();
  }
}

class HeaderDamage extends Error {}

/** Where the next header lies, from a signature header whose signature is already known to be there. */
function nextHeaderPlace(start: Buffer, fileSize: number): { offset: number; size: number; crc: number } {
  if (start.length < SIGNATURE_HEADER_BYTES) throw new HeaderDamage(`a 7z cut inside its ${SIGNATURE_HEADER_BYTES}-byte signature header`);
  if (start[6] !== 0) throw new HeaderDamage(`a 7z of format version ${start[6]}.${start[7]}, not known here`);
  if (crc32(start.subarray(12, SIGNATURE_HEADER_BYTES)) !== start.readUInt32LE(8)) {
    const empty = start.subarray(8, SIGNATURE_HEADER_BYTES).every((byte) => byte === 0);
    // 7-Zip takes an empty start header for an unfinished archive and searches the file for a header: unchecked.
    throw new HeaderDamage(empty ? 'an unfinished 7z (its start header is empty)' : 'its start header is damaged (CRC-32 mismatch)');
  }
  const offset = Number(start.readBigUInt64LE(12)) + SIGNATURE_HEADER_BYTES;
  const size = Number(start.readBigUInt64LE(20));
  if (offset + size > fileSize) throw new HeaderDamage(`its header lies past the end of the file (at ${offset}, ${size} bytes, in a file of ${fileSize}): a cut archive`);
  return { offset, size, crc: start.readUInt32LE(28) };
}

/** The bytes of a description, read front to back; running out is damage. */
class Cursor {
  #at = 0;
  readonly bytes: Buffer;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  byte(): number {
    if (this.#at >= this.bytes.length) throw new HeaderDamage("its encoded header's description ends early");
    return this.bytes[this.#at++]!;
  }

  take(length: number): Buffer {
    if (length > this.bytes.length - this.#at) throw new HeaderDamage("its encoded header's description ends early");
    this.#at += length;
    return this.bytes.subarray(this.#at - length, this.#at);
  }

  /** 7z's NUMBER: the first byte's leading 1 bits count the little-endian bytes that follow; its other bits are the top. */
  number(): number {
    const first = this.byte();
    let extra = 0;
    while (extra < 8 && (first & (0x80 >> extra)) !== 0) extra++;
    let value = 0;
    let scale = 1;
    for (const byte of this.take(extra)) {
      value += byte * scale;
      scale *= 256;
    }
    value += (first & (0xff >> (extra + 1))) * scale;
    if (value > Number.MAX_SAFE_INTEGER) throw new HeaderDamage("its encoded header's description holds a number too large");
    return value;
  }

  expect(id: number, what: string): void {
    const found = this.byte();
    if (found !== id) throw new HeaderDamage(`its encoded header's description has 0x${found.toString(16)} where 7zFormat.txt puts ${what}`);
  }

  /** Digests: a byte saying all are defined, else a bit per stream, then a CRC-32 for each defined one. */
  skipDigests(count: number): void {
    const allDefined = this.byte() !== 0;
    let defined = count;
    if (!allDefined) {
      const bits = this.take(Math.ceil(count / 8));
      defined = 0;
      for (let index = 0; index < count; index++) if ((bits[index >> 3]! & (0x80 >> (index & 7))) !== 0) defined++;
    }
    this.take(4 * defined);
  }
}

interface HeaderCoder {
  id: Buffer;
  properties: Buffer;
}

/**
 * Why 7-Zip should not decode the encoded header whose description (0x17 first) is `bytes`, or undefined: its
 * coders declare more working memory than the archive limit, or its folder says it unpacks to more than the ratio
 * limit of its packed size, or a coder is not known here, or the description is damaged (thrown as HeaderDamage).
 */
export function encodedHeaderRefusal(bytes: Buffer, fileSize: number): string | undefined {
  const cursor = new Cursor(bytes);
  cursor.expect(ID.encodedHeader, 'an encoded header');
  cursor.expect(ID.packInfo, 'PackInfo');
  const packPosition = cursor.number();
  const packStreams = cursor.number();
  cursor.expect(ID.size, 'the packed sizes');
  let packedBytes = 0;
  for (let index = 0; index < packStreams; index++) packedBytes += cursor.number(); // each at least a byte: bounded
  let id = cursor.byte();
  if (id === ID.crc) {
    cursor.skipDigests(packStreams);
    id = cursor.byte();
  }
  if (id !== ID.end) throw new HeaderDamage(`its encoded header's PackInfo has 0x${id.toString(16)} where it should end`);
  if (SIGNATURE_HEADER_BYTES + packPosition + packedBytes > fileSize) throw new HeaderDamage('its packed header lies past the end of the file: a cut archive');

  cursor.expect(ID.unpackInfo, 'UnpackInfo');
  cursor.expect(ID.folder, 'the folders');
  const folders = cursor.number();
  // 7-Zip writes one; it refuses a decoded header of several, but only after decoding them all.
  if (folders !== 1) throw new HeaderDamage(`its header is encoded in ${folders} folders (7-Zip writes one)`);
  if (cursor.byte() !== 0) throw new HeaderDamage("its encoded header's coders are stored elsewhere (External), not supported");
  const { coders, outStreams } = readFolder(cursor);
  cursor.expect(ID.codersUnpackSize, 'the unpacked sizes');
  let unpackBytes = 0;
  for (let index = 0; index < outStreams; index++) unpackBytes = Math.max(unpackBytes, cursor.number());

  const methods: string[] = [];
  for (const coder of coders) {
    const method = methodOf(coder);
    if (typeof method !== 'string') return method.refused;
    methods.push(method);
  }
  const memoryRefusal = coderMemoryRefusal(methods.join(' '), "its header's decoder");
  if (memoryRefusal !== undefined) return memoryRefusal;
  if (unpackBytes > inflateLimit(packedBytes)) {
    return `its header says it unpacks to ${unpackBytes} bytes from ${packedBytes}, over ${MAX_INFLATE_RATIO} times its size (a decompression bomb)`;
  }
  if (unpackBytes > MAX_7Z_HEADER_BYTES) {
    return `its header (the list of its members) unpacks to ${unpackBytes} bytes, over the ${MAX_7Z_HEADER_BYTES / 1024 / 1024} MiB read (re-pack it as a zip or tar)`;
  }
  return undefined;
}

/** One folder: its coders (id, properties) and how many streams they put out; bind pairs and pack indexes skipped. */
function readFolder(cursor: Cursor): { coders: HeaderCoder[]; outStreams: number } {
  const count = cursor.number();
  if (count === 0 || count > MAX_CODERS) throw new HeaderDamage(`its encoded header's folder has ${count} coders`);
  const coders: HeaderCoder[] = [];
  let inStreams = 0;
  let outStreams = 0;
  for (let index = 0; index < count; index++) {
    const flags = cursor.byte();
    // Bits 0-3: id size; 4: more than one stream in or out; 5: has properties; 6: reserved; 7: alternative methods (never written).
    if ((flags & 0xc0) !== 0) throw new HeaderDamage(`its encoded header's coder has flags 0x${flags.toString(16)}, not supported`);
    const id = Buffer.from(cursor.take(flags & 0x0f));
    const complex = (flags & 0x10) !== 0;
    const coderIn = complex ? cursor.number() : 1;
    const coderOut = complex ? cursor.number() : 1;
    if (coderIn > MAX_CODERS || coderOut > MAX_CODERS) throw new HeaderDamage("its encoded header's coder has too many streams");
    inStreams += coderIn;
    outStreams += coderOut;
    const properties = (flags & 0x20) !== 0 ? Buffer.from(cursor.take(cursor.number())) : Buffer.alloc(0);
    coders.push({ id, properties });
  }
  const bindPairs = outStreams - 1;
  if (bindPairs < 0 || inStreams < bindPairs + 1) throw new HeaderDamage("its encoded header's folder does not connect its coders");
  for (let index = 0; index < bindPairs * 2; index++) cursor.number(); // in index, out index
  const packedStreams = inStreams - bindPairs;
  if (packedStreams > 1) for (let index = 0; index < packedStreams; index++) cursor.number();
  return { coders, outStreams };
}

/** Coders that hold no memory worth counting: copy, branch filters, Delta; BZip2/Deflate's is fixed by 7-Zip (a few MiB). */
const FIXED_MEMORY_CODERS: Record<string, string> = {
  '00': 'Copy',
  '03': 'Delta',
  '03030103': 'BCJ',
  '0303011b': 'BCJ2',
  '03030205': 'PPC',
  '03030401': 'IA64',
  '03030501': 'ARM',
  '03030701': 'ARMT',
  '03030805': 'SPARC',
  '0a': 'ARM64',
  '040108': 'Deflate',
  '040109': 'Deflate64',
  '040202': 'BZip2',
};

/** A size in 7-Zip's listing notation ("30" = 2^30, else "<n>b"), which coder-memory.ts reads back. */
function sizeNotation(bytes: number): string {
  const power = Math.log2(bytes);
  return Number.isInteger(power) ? String(power) : `${bytes}b`;
}

/** The coder as 7-Zip lists a Method ("LZMA:20", "PPMD:o6:mem24"), or why it is refused. */
function methodOf(coder: HeaderCoder): string | { refused: string } {
  const id = coder.id.toString('hex');
  const { properties } = coder;
  const badProperties = { refused: `its header's coder ${id} has properties 7-Zip never writes (${properties.length} bytes)` };
  switch (id) {
    case '030101': // LZMA: lc/lp/pb in one byte (at most 224), then the dictionary, little-endian
      if (properties.length !== 5 || properties[0]! >= 9 * 5 * 5) return badProperties;
      return `LZMA:${sizeNotation(properties.readUInt32LE(1))}`;
    case '21': {
      // LZMA2: one byte, 40 meaning 4 GiB - 1, else (2 | its low bit) << (its half + 11)
      const byte = properties[0] ?? 255;
      if (properties.length !== 1 || byte > 40) return badProperties;
      return `LZMA2:${sizeNotation(byte === 40 ? 2 ** 32 - 1 : (2 | (byte & 1)) * 2 ** (Math.floor(byte / 2) + 11))}`;
    }
    case '030401': // PPMd: the model's order, then its memory size, little-endian
      if (properties.length !== 5) return badProperties;
      return `PPMD:o${properties[0]}:mem${sizeNotation(properties.readUInt32LE(1))}`;
    case '06f10701':
      return { refused: 'its header is encrypted (7zAES): it cannot be listed without the password' };
    default:
      return FIXED_MEMORY_CODERS[id] ?? { refused: `its header is encoded with a method not known here (id ${id || 'empty'})` };
  }
}
