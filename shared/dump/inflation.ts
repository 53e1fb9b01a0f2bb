/**
 * The ratio limit (limits.ts) for compression layers streamed one inside another: a .tar.gz holding .eml.gz
 * members, a gzip inside a gzip (gzip quines exist). Each layer's own ratio is not enough there, since ratios
 * multiply: ten layers of 100× would let 1 MB become 10^20 bytes, and nothing is copied to disk on the way (the
 * spool budget that bounds zips inside zips never sees a stream). So every layer of one chain draws what it
 * inflates from one allowance, which grows only with the compressed bytes the OUTERMOST layer reads from the
 * dump: all of them together inflate at most MAX_INFLATE_RATIO times those bytes (past the floor).
 */
import { inflateLimit, MAX_INFLATE_RATIO } from './limits.ts';

/** A chain crossing its allowance: reported as itself, never as damaged data. */
export class InflationLimitError extends Error {}

export class InflationAllowance {
  #compressed = 0;
  #inflated = 0;

  /** The outermost layer read `bytes` more of the dump's stored bytes. */
  read(bytes: number): void {
    this.#compressed += bytes;
  }

  /** A layer (any layer of the chain) produced `bytes` more; throws once the chain is past its limit. */
  inflated(bytes: number): void {
    this.#inflated += bytes;
    if (this.#inflated > inflateLimit(this.#compressed)) {
      throw new InflationLimitError(`compressed data inflates past ${inflateLimit(this.#compressed)} bytes, over ${MAX_INFLATE_RATIO} times the ${this.#compressed} compressed bytes read (a decompression bomb); not read further`);
    }
  }
}
