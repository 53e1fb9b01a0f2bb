/**
 * What the splitter sends the verifying workers: units of work, each naming one place in a dump that ends as
 * at least one stored entry. Units travel in jobs (one queue message each) of neighbouring units, so a worker
 * fetches a whole job's bytes with one ranged read.
 */
import type { ErrorEntry, Locator, SkippedEntry } from '../dump/entry.ts';
import { LOCAL_HEADER_BYTES } from '../dump/zip-local-header.ts';
import type { ZipMember } from '../dump/zip-member.ts';
import type { ChangeCause } from '../verdict/contract.ts';

export type WorkUnit =
  /** A member of a top-level zip, found in its central directory: fetched by its local header offset. */
  | { kind: 'zip-member'; member: ZipMember; headerOffset: number }
  /** A message of a top-level mbox: the stored record's bytes, "From " line included. */
  | { kind: 'mbox-range'; path: string; offset: number; length: number }
  /** A message in an object of its own: the dump itself (a single message), or one staged by the splitter. */
  | { kind: 'object'; key: string; locator: Locator; as: ObjectContent }
  /** An entry the splitter already decided (a skipped non-message, an unreadable entry). */
  | { kind: 'entry'; entry: SkippedEntry | ErrorEntry }
  /**
   * A document the splitter read through the readers (inside a nested container, or a member too large for a
   * job): the bytes the reader held (the whole file up to MAX_DOCUMENT_HOLD_BYTES, else its head) staged as an
   * object of its own, with the size and SHA-256 the reader took of all its bytes. The worker describes it.
   */
  | { kind: 'document'; key: string; locator: Locator; size: number; sha256: string; whole: boolean; staged: number };

/**
 * How to read an object unit: 'file' is a dump that is one file (read as `leakproof ingest` reads a file);
 * 'message' holds exactly a message's bytes; 'mbox-record' holds an mbox message as stored, quoting not undone;
 * 'outlook' an Outlook message with the header section Outlook kept (outlook-object.ts).
 */
export type ObjectContent = 'file' | 'message' | 'mbox-record' | 'outlook';

export interface WorkJob {
  dumpId: string;
  /** The dump's object key: where zip-member and mbox-range units are read. */
  key: string;
  /** Sequence number within the dump's split; with the dump id it names the job, so repeats are recognised. */
  jobId: number;
  units: WorkUnit[];
  /**
   * A re-verification's job: its units hold stored messages to verify again, and only those named here are
   * wanted from them (a unit may hold more, e.g. a nested zip). Absent: a split's job, every entry stored anew.
   */
  reverify?: ReverifyOrder;
}

export interface ReverifyOrder {
  /** The run that queued it: with the job id it names the job's replacements, so a redelivery counts once. */
  runId: string;
  /** Locator key → why the stored message is verified again. */
  causes: Record<string, ChangeCause>;
}

/** Bytes of staged objects a unit makes its worker read (documents'; a staged message is bounded by its own cap). */
export function unitStagedBytes(unit: WorkUnit): number {
  return unit.kind === 'document' ? unit.staged : 0;
}

/** The byte range of the dump a unit needs, when it is read from the dump itself. */
export function unitSpan(unit: WorkUnit): { start: number; end: number } | undefined {
  switch (unit.kind) {
    case 'zip-member':
      return { start: unit.headerOffset, end: unit.headerOffset + LOCAL_HEADER_BYTES + LOCAL_HEADER_SLACK + unit.member.name.length + unit.member.compressedSize };
    case 'mbox-range':
      return { start: unit.offset, end: unit.offset + unit.length };
    default:
      return undefined;
  }
}

/**
 * The local header's name and extra field may be longer than the central directory's name (ZIP64 and timestamp
 * extras): room for them, so one read usually covers a member; a longer header costs one more read.
 */
export const LOCAL_HEADER_SLACK = 512;
