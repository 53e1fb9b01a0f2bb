/**
 * The fallback for a zip whose central directory is missing or damaged (typically a truncated download): walks
 * the local file headers from the start of the file, so every complete entry before the damage is still read,
 * then reports the damage once, naming the first entry that could not be read (or the archive).
 *
 * Sizes come from the local header (or its ZIP64 extra field). An entry written with a data descriptor (sizes
 * unknown in the header) can only be stepped over when it is deflated, since deflate data marks its own end.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import yauzl from 'yauzl';
import { insideOf, type DumpEntry } from './entry.ts';
import type { DumpItem } from './item.ts';
import type { ZipSource } from './zip.ts';
import { describeError } from './errors.ts';
import { LOCAL_HEADER_BYTES, LOCAL_HEADER_SIGNATURE, variableLengths } from './zip-local-header.ts';
import { inflateLimit, MAX_INFLATE_RATIO } from './limits.ts';
import { DEFLATED, FLAG_DATA_DESCRIPTOR, FLAG_ENCRYPTED, MemberNames, memberToItem, type ZipMember } from './zip-member.ts';

const CENTRAL_DIRECTORY_SIGNATURES = new Set([0x02014b50, 0x06054b50, 0x06064b50, 0x07064b50]);
const DATA_DESCRIPTOR = 0x08074b50;
const ZIP64_EXTRA_FIELD = 0x0001;
const SIZE_IN_ZIP64_FIELD = 0xffffffff;

interface LocalEntry extends ZipMember {
  headerOffset: number;
  dataStart: number;
}

type HeaderRead =
  | { kind: 'entry'; entry: LocalEntry }
  | { kind: 'end-of-file' }
  | { kind: 'central-directory' }
  | { kind: 'no-header' }
  | { kind: 'cut'; name?: string };

/** Where a member's data ends, or why it cannot be known ("cut": its data runs into the end of the file). */
type Extent = { kind: 'known'; member: ZipMember; next: number } | { kind: 'unknown'; why: string; cut: boolean };

const INCOMPLETE = { kind: 'unknown', why: 'incomplete', cut: true } as const;

/**
 * `damage` says why the central directory could not be used, e.g. "zip truncated: central directory missing";
 * it starts the one error this scan ends with. Entries whose local header starts at or before `readUpTo` were
 * already read through the central directory and are only stepped over; `names` are the names given so far.
 */
export async function* scanLocalHeaders(zip: ZipSource, damage: string, readUpTo = -1, names = new MemberNames()): AsyncGenerator<DumpItem | DumpEntry> {
  const archiveError = (what: string): DumpEntry => ({ kind: 'error', locator: insideOf(zip.path), reason: `${damage}; ${what}` });
  let file: FileHandle;
  try {
    file = await open(zip.filePath);
  } catch (error) {
    yield archiveError(describeError(error));
    return;
  }
  try {
    const fileSize = (await file.stat()).size;
    let position = 0;
    let complete = 0;
    for (;;) {
      const header = await readLocalHeader(file, position, fileSize, names);
      if (header.kind === 'end-of-file') {
        yield archiveError(`archive ends after ${complete} complete entries`);
        return;
      }
      if (header.kind === 'central-directory') {
        yield archiveError(`${complete} entries read from their local headers instead`);
        return;
      }
      if (header.kind === 'no-header') {
        yield archiveError(`no zip entry header at byte ${position}, nothing after it can be read`);
        return;
      }
      if (header.kind === 'cut') {
        if (header.name === undefined) yield archiveError(`entry header at byte ${position} incomplete`);
        else yield { kind: 'error', locator: { path: zip.prefix + header.name }, reason: `${damage}; entry '${header.name}' incomplete` };
        return;
      }
      const entry = header.entry;
      const extent = await extentOf(zip.filePath, file, entry, fileSize);
      if (extent.kind === 'unknown') {
        const reason = `${damage}; entry '${entry.name}' ${extent.why}`;
        const cut = extent.cut ? cutMember(zip, entry, reason, fileSize) : undefined;
        yield cut ?? { kind: 'error', locator: { path: zip.prefix + entry.name }, reason };
        return;
      }
      if (entry.headerOffset > readUpTo) {
        const { dataStart } = entry;
        const { compressedSize } = extent.member;
        const out = memberToItem(extent.member, zip.prefix, async () => openRange(zip.filePath, dataStart, compressedSize));
        if (out !== undefined) yield out;
      }
      complete++;
      position = extent.next;
    }
  } finally {
    await file.close();
  }
}

/** The readable start of a member cut by the end of the file, as an item that ends by failing with `reason`. */
function cutMember(zip: ZipSource, entry: LocalEntry, reason: string, fileSize: number): DumpItem | DumpEntry | undefined {
  // With a data descriptor the header's sizes are 0: there is no size to hold the inflated data to, and the
  // compressed bytes are at most what is left of the file (which bounds the inflation ratio).
  const sizes = entry.flags & FLAG_DATA_DESCRIPTOR ? { uncompressedSize: Number.POSITIVE_INFINITY, compressedSize: fileSize - entry.dataStart } : {};
  const openRest = async (): Promise<Readable> => createReadStream(zip.filePath, { start: entry.dataStart });
  return memberToItem({ ...entry, ...sizes }, zip.prefix, openRest, reason);
}

async function readLocalHeader(file: FileHandle, position: number, fileSize: number, names: MemberNames): Promise<HeaderRead> {
  if (position >= fileSize) return { kind: 'end-of-file' };
  const fixed = await readAt(file, position, LOCAL_HEADER_BYTES);
  if (fixed.length < 4) return { kind: 'cut' };
  const signature = fixed.readUInt32LE(0);
  if (CENTRAL_DIRECTORY_SIGNATURES.has(signature)) return { kind: 'central-directory' };
  if (signature !== LOCAL_HEADER_SIGNATURE) return { kind: 'no-header' };
  if (fixed.length < LOCAL_HEADER_BYTES) return { kind: 'cut' };
  const flags = fixed.readUInt16LE(6);
  const { nameLength, extraLength } = variableLengths(fixed);
  const variable = await readAt(file, position + LOCAL_HEADER_BYTES, nameLength + extraLength);
  if (variable.length < nameLength) return { kind: 'cut' };
  const nameBytes = variable.subarray(0, nameLength);
  if (variable.length < nameLength + extraLength) return { kind: 'cut', name: names.locatorName(yauzl.getFileNameLowLevel(flags, nameBytes, [], false), position) };
  const extraFields = yauzl.parseExtraFields(variable.subarray(nameLength));
  let compressedSize = fixed.readUInt32LE(18);
  let uncompressedSize = fixed.readUInt32LE(22);
  const zip64 = extraFields.find((field) => field.id === ZIP64_EXTRA_FIELD);
  if (zip64 !== undefined) {
    // The ZIP64 field holds, in this order, the uncompressed and the compressed size, each only if 0xffffffff above.
    let at = 0;
    if (uncompressedSize === SIZE_IN_ZIP64_FIELD && zip64.data.length >= at + 8) {
      uncompressedSize = readUInt64(zip64.data, at);
      at += 8;
    }
    if (compressedSize === SIZE_IN_ZIP64_FIELD && zip64.data.length >= at + 8) compressedSize = readUInt64(zip64.data, at);
  }
  return {
    kind: 'entry',
    entry: {
      name: names.locatorName(yauzl.getFileNameLowLevel(flags, nameBytes, extraFields, false), position),
      flags,
      method: fixed.readUInt16LE(8),
      crc32: fixed.readUInt32LE(14),
      compressedSize,
      uncompressedSize,
      headerOffset: position,
      dataStart: position + LOCAL_HEADER_BYTES + nameLength + extraLength,
    },
  };
}

async function extentOf(filePath: string, file: FileHandle, entry: LocalEntry, fileSize: number): Promise<Extent> {
  if (!(entry.flags & FLAG_DATA_DESCRIPTOR)) {
    const end = entry.dataStart + entry.compressedSize;
    if (end > fileSize) return INCOMPLETE;
    return { kind: 'known', member: entry, next: end };
  }
  if (entry.method !== DEFLATED || entry.flags & FLAG_ENCRYPTED) {
    const how = entry.flags & FLAG_ENCRYPTED ? 'encrypted' : entry.method === 0 ? 'stored' : `compressed with method ${entry.method}`;
    return { kind: 'unknown', why: `is ${how} with its size only in a data descriptor, so it cannot be read or stepped over`, cut: false };
  }
  let inflated: InflatedExtent;
  try {
    inflated = await measureDeflated(filePath, entry.dataStart, fileSize);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(OVER_RATIO)) return { kind: 'unknown', why: error.message, cut: false };
    // zlib says Z_BUF_ERROR ("unexpected end of file") when the data stops before the deflate stream ends.
    if ((error as { code?: string }).code === 'Z_BUF_ERROR') return INCOMPLETE;
    return { kind: 'unknown', why: `has bad deflate data (${describeError(error)})`, cut: false };
  }
  const descriptorStart = entry.dataStart + inflated.compressedSize;
  const descriptor = await readDataDescriptor(file, descriptorStart, inflated, fileSize);
  if (descriptor === undefined) {
    // The data ends but its descriptor was cut off: incomplete too (its CRC-32 is lost), yet its bytes are there.
    return descriptorStart + 12 > fileSize ? INCOMPLETE : { kind: 'unknown', why: 'has no readable data descriptor', cut: false };
  }
  const member = { ...entry, crc32: descriptor.crc32, compressedSize: inflated.compressedSize, uncompressedSize: inflated.size };
  return { kind: 'known', member, next: descriptorStart + descriptor.length };
}

interface InflatedExtent {
  compressedSize: number;
  size: number;
}

const OVER_RATIO = 'inflates past';

/**
 * Inflates (and discards) deflate data starting at `start` to learn where it ends. The data is at most the rest
 * of the file, so past the ratio limit for that much it is a bomb: given up there, since finding its end would
 * take inflating all of it.
 */
async function measureDeflated(filePath: string, start: number, fileSize: number): Promise<InflatedExtent> {
  const raw = createReadStream(filePath, { start });
  const inflate = createInflateRaw();
  raw.on('error', (error) => inflate.destroy(error));
  const limit = inflateLimit(fileSize - start);
  let size = 0;
  try {
    for await (const chunk of raw.pipe(inflate) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new Error(`${OVER_RATIO} ${limit} bytes, over ${MAX_INFLATE_RATIO} times the ${fileSize - start} bytes left in the file (a zip bomb), so its end cannot be found`);
    }
  } finally {
    raw.destroy();
  }
  // At the end of the deflate stream zlib has consumed exactly the compressed bytes, even if given more.
  return { compressedSize: inflate.bytesWritten, size };
}

/**
 * A data descriptor is [signature] crc32 compressed-size uncompressed-size, the sizes 4 or 8 bytes (ZIP64; some
 * writers use 8 without saying so in the local header). The layout whose sizes match what was inflated wins;
 * among those, one followed by another zip record or the end of the file.
 */
async function readDataDescriptor(
  file: FileHandle,
  start: number,
  inflated: InflatedExtent,
  fileSize: number,
): Promise<{ crc32: number; length: number } | undefined> {
  const bytes = await readAt(file, start, 28);
  const candidates: { crc32: number; length: number }[] = [];
  for (const signed of [true, false]) {
    for (const wide of [false, true]) {
      const at = signed ? 4 : 0;
      const length = at + 4 + (wide ? 16 : 8);
      if (bytes.length < length || (signed && bytes.readUInt32LE(0) !== DATA_DESCRIPTOR)) continue;
      const compressed = wide ? readUInt64(bytes, at + 4) : bytes.readUInt32LE(at + 4);
      const uncompressed = wide ? readUInt64(bytes, at + 12) : bytes.readUInt32LE(at + 8);
      if (compressed === inflated.compressedSize && uncompressed === inflated.size) {
        candidates.push({ crc32: bytes.readUInt32LE(at), length });
      }
    }
  }
  const followedByRecord = (candidate: { length: number }): boolean => {
    if (start + candidate.length >= fileSize) return true;
    if (bytes.length < candidate.length + 4) return false;
    const next = bytes.readUInt32LE(candidate.length);
    return next === LOCAL_HEADER_SIGNATURE || CENTRAL_DIRECTORY_SIGNATURES.has(next);
  };
  return candidates.find(followedByRecord) ?? candidates[0];
}

function openRange(filePath: string, start: number, length: number): Readable {
  return length === 0 ? Readable.from([]) : createReadStream(filePath, { start, end: start + length - 1 });
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

function readUInt64(buffer: Buffer, at: number): number {
  return Number(buffer.readBigUInt64LE(at));
}
