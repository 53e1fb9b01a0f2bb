/** Small helpers over streams of Buffers (fs streams, zip entry streams), so no reader holds more than it must. */
import { open } from 'node:fs/promises';
import { SPOOL_BUDGET_FLOOR_BYTES, SPOOL_BYTES_PER_ZIP_BYTE } from './limits.ts';

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

/** The stream without its first `count` bytes: a resumed reader starts where an earlier one stopped. */
export async function* dropBytes(chunks: AsyncIterable<Buffer>, count: number): AsyncGenerator<Buffer> {
  let left = count;
  for await (const chunk of chunks) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left === 0 ? chunk : chunk.subarray(left);
    left = 0;
  }
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

/**
 * The disk a dump's temp copies may take (see SPOOL_BUDGET_FLOOR_BYTES in limits.ts): one per dump, handed down
 * to every nested container, so copies at every depth draw on the same allowance. Bytes taken are never given
 * back: the budget bounds the dump's total spooling, not only what is on disk at one moment.
 */
export class SpoolBudget {
  #allowed: number;
  #taken = 0;
  readonly #ceiling: number;

  /** `ceiling`: the most it may ever allow, e.g. a Lambda's /tmp. */
  constructor(ceiling = Number.POSITIVE_INFINITY) {
    this.#ceiling = ceiling;
    this.#allowed = Math.min(ceiling, SPOOL_BUDGET_FLOOR_BYTES);
  }

  /** A zip of `bytes` read in place (never spooled) may hold nested zips in proportion to its size. */
  allowFor(bytes: number): void {
    this.#allowed = Math.min(this.#ceiling, this.#allowed + SPOOL_BYTES_PER_ZIP_BYTE * bytes);
  }

  /**
   * The dump itself, fetched to disk before it is read (the splitter copies a top-level .7z/.rar/.pst from S3):
   * its copy is paid for on top of what a dump read in place may hold.
   */
  allowForCopy(bytes: number): void {
    this.allowFor(bytes);
    this.#allowed = Math.min(this.#ceiling, this.#allowed + bytes);
  }

  /** Takes up to `size` bytes: how many it may have (fewer only once the budget runs out). */
  take(size: number): number {
    const granted = Math.min(size, this.#allowed - this.#taken);
    this.#taken += granted;
    return granted;
  }

  /** What a copy stopped by the budget fails with. */
  exceeded(): Error {
    return new Error(`temp copies and extractions over the dump's ${formatBytes(this.#allowed)} disk budget; copied no further`);
  }
}

/**
 * Copies a stream to a new file, drawing every byte from `budget` before it is written. A copy that runs out
 * keeps what fitted (the complete entries at the start of a zip are worth reading) and then fails.
 */
export async function spoolToFile(chunks: AsyncIterable<Buffer>, filePath: string, budget: SpoolBudget): Promise<void> {
  const file = await open(filePath, 'w');
  try {
    for await (const chunk of chunks) {
      const granted = budget.take(chunk.length);
      if (granted > 0) await file.write(chunk.subarray(0, granted));
      if (granted < chunk.length) throw budget.exceeded();
    }
  } finally {
    await file.close();
  }
}

export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
