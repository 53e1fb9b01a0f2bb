/**
 * What one zip member becomes, whether it was found through the central directory (zip.ts) or by scanning local
 * headers (zip-scan.ts): nothing (a directory), an error (encrypted, unknown compression), or an item whose bytes
 * are inflated here and checked against the recorded size and CRC-32, so bad data never passes as a message.
 */
import type { Readable } from 'node:stream';
import { constants, crc32, createInflateRaw } from 'node:zlib';
import type { ErrorEntry } from './entry.ts';
import type { DumpItem } from './item.ts';
import { describeError } from './errors.ts';

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
 * `openRaw` opens the member's stored (still compressed) bytes. Returns undefined for directories, which are
 * not entries. `incomplete` marks a member cut short by the end of the file: its bytes are read as far as they
 * go (the complete messages at the start of a cut mbox are worth having), then reading fails with that reason.
 */
export function memberToItem(
  member: ZipMember,
  prefix: string,
  openRaw: () => Promise<Readable>,
  incomplete?: string,
): DumpItem | ErrorEntry | undefined {
  if (member.name.endsWith('/')) return undefined;
  const path = prefix + member.name;
  if (member.flags & FLAG_ENCRYPTED) return { kind: 'error', locator: { path }, reason: 'encrypted zip entry (not supported)' };
  if (member.method !== STORED && member.method !== DEFLATED) {
    const name = METHOD_NAMES[member.method];
    return {
      kind: 'error',
      locator: { path },
      reason: `unsupported zip compression method ${member.method}${name === undefined ? '' : ` (${name})`}`,
    };
  }
  return { kind: 'item', path, read: () => memberData(member, openRaw, incomplete) };
}

async function* memberData(member: ZipMember, openRaw: () => Promise<Readable>, incomplete?: string): AsyncGenerator<Buffer> {
  let raw: Readable;
  try {
    raw = await openRaw();
  } catch (error) {
    throw new Error(`zip entry unreadable: ${describeError(error)}`);
  }
  let data = raw;
  if (member.method === DEFLATED) {
    // Z_SYNC_FLUSH at the end: data that stops short still gives out all it holds (zlib's default, Z_FINISH,
    // fails and drops the last output); the size and CRC-32 checks below tell that it stopped short.
    const inflate = createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH });
    raw.on('error', (error) => inflate.destroy(error));
    data = raw.pipe(inflate);
  }
  let size = 0;
  let crc = 0;
  try {
    for await (const chunk of data as AsyncIterable<Buffer>) {
      size += chunk.length;
      // Stops a zip bomb at the size the archive declares instead of inflating it to the end.
      if (size > member.uncompressedSize) throw new Error(`more than the recorded ${member.uncompressedSize} bytes`);
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (error) {
    // Whatever breaks in a member known to be cut is the cut, and is reported as such.
    throw new Error(incomplete ?? `zip entry data damaged: ${describeError(error)}`);
  } finally {
    raw.destroy();
    data.destroy();
  }
  if (incomplete !== undefined) throw new Error(incomplete);
  if (size !== member.uncompressedSize) {
    throw new Error(`zip entry data damaged: expected ${member.uncompressedSize} bytes, got ${size}`);
  }
  if (crc !== member.crc32) throw new Error('zip entry data damaged: CRC-32 mismatch');
}
