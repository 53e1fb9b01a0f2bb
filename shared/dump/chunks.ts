/** Small helpers over streams of Buffers (fs streams, zip entry streams), so no reader holds more than it must. */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

export interface Peeked {
  /** The first bytes (fewer only when the stream is shorter). */
  head: Buffer;
  /** The whole stream again, head included; can be iterated once. */
  chunks: AsyncIterable<Buffer>;
  /** Releases the underlying stream when `chunks` will not be read to the end. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Reads just enough of a stream to look at its first `size` bytes, without losing them for the real reader. A
 * stream that fails after some bytes (a cut zip member) fails for the real reader, once it has had those bytes.
 */
export async function peek(source: AsyncIterable<Buffer>, size: number): Promise<Peeked> {
  const iterator = source[Symbol.asyncIterator]();
  const buffered: Buffer[] = [];
  let bufferedBytes = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  while (bufferedBytes < size) {
    let next: IteratorResult<Buffer>;
    try {
      next = await iterator.next();
    } catch (error) {
      if (bufferedBytes === 0) throw error;
      failure = { error };
      ended = true;
      break;
    }
    if (next.done) {
      ended = true;
      break;
    }
    buffered.push(next.value);
    bufferedBytes += next.value.length;
  }
  const close = async (): Promise<void> => {
    await iterator.return?.();
  };
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield* buffered;
      if (failure !== undefined) throw failure.error;
      while (!ended) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await close();
    }
  }
  const head = buffered.length === 1 ? buffered[0]! : Buffer.concat(buffered, bufferedBytes);
  return { head: head.subarray(0, Math.min(size, head.length)), chunks: replay(), close };
}

/** Concatenates a stream, refusing to grow past `maxBytes` (the stream is then abandoned). */
export async function collect(chunks: AsyncIterable<Buffer>, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > maxBytes) throw new Error(`larger than ${formatBytes(maxBytes)}; not read`);
    parts.push(chunk);
  }
  // Most members arrive in one piece (a zip member inflated at once): hand it on without a copy.
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

export async function spoolToFile(chunks: AsyncIterable<Buffer>, filePath: string): Promise<void> {
  await pipeline(chunks, createWriteStream(filePath));
}

export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
