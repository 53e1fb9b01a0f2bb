import { createReadStream } from 'node:fs';
import type { DeflatedMember } from './entry.ts';
import type { InflationAllowance } from './inflation.ts';

/**
 * A file-like thing found inside a dump that still has to be classified: a file in a folder, an entry in a zip.
 * Containers yield items; dispatch.ts decides what each item is and reads it.
 */
export interface DumpItem {
  kind: 'item';
  /** Its locator path (see Locator in entry.ts). */
  path: string;
  /** Streams its bytes once; throws a one-line Error when the bytes turn out to be bad (CRC, truncation). */
  read(): AsyncIterable<Buffer>;
  /** Set when the item is a plain file on disk, so a zip can be opened in place instead of copied to a temp file. */
  filePath?: string;
  /** Set for a deflated zip member small enough to hold whole: its compressed bytes, read in one go. */
  deflated?: () => Promise<DeflatedMember>;
  /**
   * The name its type is told from when not its path: what a gzip layer holds ("a.tar.gz" reads as "a.tar").
   */
  typeName?: string;
  /** How many gzip layers it came out of without a "!/" in its path: they count towards MAX_CONTAINER_DEPTH. */
  layers?: number;
  /** Set when its bytes come out of a stream being inflated: what every layer of that chain may still inflate. */
  inflation?: InflationAllowance;
}

/** Reads of 1 MiB: an mbox is read in one pass, and each 64 KB read (the default) cost a thread-pool round trip. */
const READ_BYTES = 1024 * 1024;

export function fileItem(filePath: string, path: string): DumpItem {
  return { kind: 'item', path, filePath, read: () => createReadStream(filePath, { highWaterMark: READ_BYTES }) };
}
