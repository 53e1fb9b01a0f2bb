/**
 * Where generated entries go. A writer takes one entry at a time and keeps none of them: the benchmark's
 * dumps run to a gigabyte, so memory must not grow with the dump.
 */
export type DumpFormat = 'zip' | 'mbox' | 'folder';

export const DUMP_FORMATS: readonly DumpFormat[] = ['zip', 'mbox', 'folder'];

/** Where an entry landed, in the terms expected.json uses (see shared/dump/entry.ts Locator). */
export interface WrittenLocation {
  /** Path relative to the dump: the zip entry name, the file under the folder, or the mbox file's name. */
  path: string;
  /** mbox only: the message's position in the file, from 0. */
  index?: number;
  /** mbox only: byte offset of the message's "From " separator line. */
  offset?: number;
}

export interface DumpWriter {
  /** The dump itself: a .zip or .mbox file, or a directory. */
  readonly dumpPath: string;
  /** Whether the format holds files other than messages (an mbox cannot). */
  readonly holdsFiles: boolean;
  addMessage(path: string, message: Buffer, date: Date, envelopeFrom: string): Promise<WrittenLocation>;
  addFile(path: string, bytes: Buffer, date: Date): Promise<WrittenLocation>;
  /** Finishes the dump; resolves with its size on disk in bytes. */
  close(): Promise<number>;
}
