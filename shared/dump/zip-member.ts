/**
 * What one zip member becomes, whether it was found through the central directory (zip.ts) or by scanning local
 * headers (zip-scan.ts): nothing (a directory), an error (encrypted, unknown compression), or an item whose bytes
 * are inflated here and checked against the recorded size and CRC-32, so bad data never passes as a message.
 */
import type { Readable } from 'node:stream';
import { constants, crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import { escapeName, type DeflatedMember, type ErrorEntry } from './entry.ts';
import type { DumpItem } from './item.ts';
import { describeError } from './errors.ts';
import { inflateLimit, MAX_INFLATE_RATIO } from './limits.ts';

export interface ZipMember {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
}

export const STORED = 0;
export const DEFLATED = 8;
export const FLAG_ENCRYPTED = 0x1;
export const FLAG_DATA_DESCRIPTOR = 0x8;

const METHOD_NAMES: Record<number, string> = {
  1: 'shrink',
  2: 'reduce',
  3: 'reduce',
  4: 'reduce',
  5: 'reduce',
  6: 'implode',
  9: 'deflate64',
  10: 'PKWARE DCL implode',
  12: 'bzip2',
  14: 'lzma',
  18: 'IBM TERSE',
  19: 'IBM LZ77',
  20: 'zstd (old id)',
  93: 'zstd',
  94: 'mp3',
  95: 'xz',
  96: 'jpeg',
  97: 'wavpack',
  98: 'ppmd',
  99: 'AES encryption',
};

/**
 * Member names as locator paths: escaped (see Locator in entry.ts), and a name an earlier member already had
 * gets "@<offset of its local header>" (and "@<n>" more if even that was taken: central-directory records can
 * point at one local header twice), so every member keeps its own locator. One per archive, shared by the
 * central-directory listing and the local-header scan that may take over from it.
 */
export class MemberNames {
  readonly #taken = new Set<string>();

  locatorName(rawName: string, headerOffset: number): string {
    const name = escapeName(rawName);
    let candidate = this.#taken.has(name) ? `${name}@${headerOffset}` : name;
    for (let n = 1; this.#taken.has(candidate); n++) candidate = `${name}@${headerOffset}@${n}`;
    this.#taken.add(candidate);
    return candidate;
  }
}

/**
 * `openRaw` opens the member's stored (still compressed) bytes; `readRaw`, where the reader has it, reads them whole
 * at once (for a member that travels deflated). Returns undefined for directories, which are
 * not entries. `incomplete` marks a member cut short by the end of the file: its bytes are read as far as they
 * go (the complete messages at the start of a cut mbox are worth having), then reading fails with that reason.
 *
 * A deflated member whose recorded sizes already break the inflation limit (limits.ts) is an error at once,
 * without a byte read: it either inflates that far (a bomb) or does not match its record (damaged).
 */
export function memberToItem(
  member: ZipMember,
  prefix: string,
  openRaw: () => Promise<Readable>,
  incomplete?: string,
  readRaw: () => Promise<Buffer> = async () => readAll(await openRaw()),
): DumpItem | ErrorEntry | undefined {
  if (member.name.endsWith('/')) return undefined;
  const path = prefix + member.name;
  // A cut member's error says first that it is cut: that is the damage the archive's reader reports.
  const refuse = (reason: string): ErrorEntry => ({ kind: 'error', locator: { path }, reason: incomplete === undefined ? reason : `${incomplete}; ${reason}` });
  if (member.flags & FLAG_ENCRYPTED) return refuse('encrypted zip entry (not supported)');
  if (member.method !== STORED && member.method !== DEFLATED) {
    const name = METHOD_NAMES[member.method];
    return refuse(`unsupported zip compression method ${member.method}${name === undefined ? '' : ` (${name})`}`);
  }
  // (A cut member whose sizes only its lost data descriptor held records none: the stream checks it.)
  if (member.method === DEFLATED && Number.isFinite(member.uncompressedSize) && member.uncompressedSize > inflateLimit(member.compressedSize)) {
    return refuse(`${bombReason(member.compressedSize)}: it records ${member.uncompressedSize} bytes; not read`);
  }
  const item: DumpItem = { kind: 'item', path, read: () => memberData(member, openRaw, incomplete) };
  if (defersInflation(member, incomplete)) {
    item.deflated = async () => ({ data: await readRaw(), size: member.uncompressedSize, crc32: member.crc32 });
  }
  return item;
}

/** Why a member is refused for inflating past the ratio limit. */
function bombReason(compressedSize: number): string {
  return `zip entry inflates past ${inflateLimit(compressedSize)} bytes, over ${MAX_INFLATE_RATIO} times its ${compressedSize} compressed bytes (a zip bomb)`;
}

/**
 * A deflated member recording at most this much may travel still compressed, to be inflated in one synchronous
 * call where its message is verified (a worker thread), so inflating runs on every core. The size the archive
 * records decides, and inflating stops one byte past it. Larger messages, and everything that is not a
 * message, stream on the reading thread instead: a whole-member inflate leaves its output as one large
 * buffer, and a dump of members lying up to this size piled such buffers up faster than they were collected
 * (measured: twenty 31 MiB lies held 340–395 MB of RSS; streamed in 256 KiB pieces, 175 MB).
 */
const DEFER_INFLATION_BYTES = 8 * 1024 * 1024;

/** zlib's smallest output piece (Z_MIN_CHUNK). */
const MIN_INFLATE_CHUNK_BYTES = 64;

/** Output pieces of a streaming inflate: 16 KB (zlib's default) cost a thread-pool round trip each. */
const INFLATE_CHUNK_BYTES = 256 * 1024;

function defersInflation(member: ZipMember, incomplete: string | undefined): boolean {
  // Its compressed bytes are held whole too: a member recording a few KB inflated but a gigabyte compressed (no
  // honest deflate stream is larger than its output by more than a little) streams instead.
  return member.method === DEFLATED && member.uncompressedSize <= DEFER_INFLATION_BYTES && member.compressedSize <= DEFER_INFLATION_BYTES && incomplete === undefined;
}

/**
 * Inflates a member read whole, checking it against the size and CRC-32 the archive records; a mismatch throws
 * the same one-line reason as the streaming path. Used where the bytes are needed: a verifying thread, or the
 * `bytes` getter of a deferred message.
 */
export function inflateMember(member: DeflatedMember): Buffer {
  let bytes: Buffer;
  try {
    bytes = inflateAtOnce(member.data, member.size);
  } catch (error) {
    throw new Error(`zip entry data damaged: ${describeError(error)}`);
  }
  if (bytes.length !== member.size) throw new Error(`zip entry data damaged: expected ${member.size} bytes, got ${bytes.length}`);
  if (crc32(bytes) !== member.crc32) throw new Error('zip entry data damaged: CRC-32 mismatch');
  return bytes;
}

/**
 * One synchronous inflate that stops one byte past the size the archive records (zlib's `maxOutputLength`):
 * a member recording 1 KB that would inflate to 1 GB costs 1 KB. Z_SYNC_FLUSH as for the stream: data that
 * stops short yields what it holds, and the size check reports it.
 */
function inflateAtOnce(data: Buffer, recordedSize: number): Buffer {
  try {
    // Output in one piece of the recorded size (not 16 KB pieces joined by a copy): an honest member fills it
    // exactly, and the bytes then own their buffer, so the worker can free them at once (thread-bytes.ts).
    // Measured on base64-heavy mail: 10–20% less time inflating. The size is at most DEFER_INFLATION_BYTES.
    return inflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: recordedSize + 1, chunkSize: Math.max(MIN_INFLATE_CHUNK_BYTES, recordedSize) });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw new Error(pastRecorded(recordedSize));
    throw error;
  }
}

function pastRecorded(recordedSize: number): string {
  return `more than the recorded ${recordedSize} bytes`;
}

/** The first bytes of a deflated member, inflating only as much as needed to classify it. */
export function inflatedHead(member: DeflatedMember, size: number): Buffer {
  try {
    // At most `size` compressed bytes, so at most ~1,032 times that inflated (4 MB for a sniff), bomb or not.
    return inflateRawSync(member.data.subarray(0, size), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, size);
  } catch {
    return Buffer.alloc(0); // damaged from the start: the full inflate reports it
  }
}

async function readAll(raw: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of raw as AsyncIterable<Buffer>) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** A limit crossed while inflating: reported as itself, not as damage. */
class InflationLimit extends Error {}

/**
 * A member's bytes, inflated and checked against the recorded size and CRC-32. Inflating stops as soon as the
 * output passes the recorded size or the ratio limit (for a cut member whose size only a lost data descriptor
 * knew, the ratio limit alone), so neither memory nor time grows with what a bomb would inflate to.
 */
async function* memberData(member: ZipMember, openRaw: () => Promise<Readable>, incomplete?: string): AsyncGenerator<Buffer> {
  let raw: Readable;
  try {
    raw = await openRaw();
  } catch (error) {
    throw new Error(`zip entry unreadable: ${describeError(error)}`);
  }
  let data: AsyncIterable<Buffer> = raw;
  if (member.method === DEFLATED) {
    // Z_SYNC_FLUSH at the end: data that stops short still gives out all it holds (zlib's default, Z_FINISH,
    // fails and drops the last output); the size and CRC-32 checks below tell that it stopped short.
    const inflate = createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH, chunkSize: INFLATE_CHUNK_BYTES });
    raw.on('error', (error) => inflate.destroy(error));
    data = raw.pipe(inflate);
  }
  const ratioLimit = member.method === DEFLATED ? inflateLimit(member.compressedSize) : Number.POSITIVE_INFINITY;
  let size = 0;
  let crc = 0;
  try {
    for await (const chunk of data as AsyncIterable<Buffer>) {
      size += chunk.length;
      // Checked per piece zlib gives (INFLATE_CHUNK_BYTES): a bomb stops here instead of inflating to the end.
      if (size > member.uncompressedSize) throw new Error(pastRecorded(member.uncompressedSize));
      if (size > ratioLimit) throw new InflationLimit(`${bombReason(member.compressedSize)}; not read`);
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (error) {
    // Whatever breaks in a member known to be cut is the cut, and is reported as such (with the limit it crossed).
    if (error instanceof InflationLimit) throw new Error(incomplete === undefined ? error.message : `${incomplete}; ${error.message}`);
    throw new Error(incomplete ?? `zip entry data damaged: ${describeError(error)}`);
  } finally {
    raw.destroy();
    if ('destroy' in data) (data as Readable).destroy();
  }
  if (incomplete !== undefined) throw new Error(incomplete);
  if (size !== member.uncompressedSize) {
    throw new Error(`zip entry data damaged: expected ${member.uncompressedSize} bytes, got ${size}`);
  }
  if (crc !== member.crc32) throw new Error('zip entry data damaged: CRC-32 mismatch');
}
