import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { BlobStore } from '../ports/blob-store.ts';

/** Central-directory reads are small and sequential: one ranged read fetches this much for many of them. */
const BLOCK_BYTES = 1024 * 1024;
/** Member data is streamed in pieces of this size, so a large nested container never sits whole in memory. */
const STREAM_PIECE_BYTES = 8 * 1024 * 1024;

/**
 * yauzl's random access over an object in a BlobStore: the zip's central directory is read with ranged reads,
 * never the whole archive. yauzl reads each central-directory record on its own (46 bytes and a name); the
 * last block fetched is kept so those become one request per mebibyte instead of one per member.
 */
export class BlobZipReader extends yauzl.RandomAccessReader {
  readonly #blobs: BlobStore;
  readonly #key: string;
  #block: { start: number; bytes: Buffer } | undefined;

  constructor(blobs: BlobStore, key: string) {
    super();
    this.#blobs = blobs;
    this.#key = key;
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (error: Error | null) => void): void {
    this.#read(position, length).then(
      (bytes) => {
        bytes.copy(buffer, offset);
        callback(null);
      },
      (error: Error) => callback(error),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const blobs = this.#blobs;
    const key = this.#key;
    return Readable.from(
      (async function* pieces() {
        for (let at = start; at < end; at += STREAM_PIECE_BYTES) yield await blobs.readRange(key, at, Math.min(end, at + STREAM_PIECE_BYTES));
      })(),
      { objectMode: false },
    );
  }

  async #read(position: number, length: number): Promise<Buffer> {
    const block = this.#block;
    if (block && position >= block.start && position + length <= block.start + block.bytes.length) {
      return block.bytes.subarray(position - block.start, position - block.start + length);
    }
    const bytes = await this.#blobs.readRange(this.#key, position, position + Math.max(length, BLOCK_BYTES));
    if (bytes.length < length) throw new Error('unexpected end of zip');
    this.#block = { start: position, bytes };
    return bytes.subarray(0, length);
  }
}
