import { describeDocument } from '../documents/describe-document.ts';
import { locatorKey, messageSize, type DumpEntry, type MessageEntry } from '../dump/entry.ts';
import type { DumpRecord, EntryRecord, VerdictStore } from '../ports/verdict-store.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import { describeEntry } from './describe-entry.ts';
import { entryRecordOf } from './entry-record.ts';
import type { VerifiedEntry } from './verify-entry.ts';

/**
 * What an ingest has done so far: every entry of the dump lands in exactly one of these counts (located =
 * messages + documents + skipped + errors + alreadyStored, once the workers have finished).
 */
export interface IngestProgress {
  /** Entries read from the dump. */
  located: number;
  /** Messages with a stored verdict. */
  messages: number;
  /** Files of content that are not messages, described and stored. */
  documents: number;
  skipped: number;
  errors: number;
  /** Entries stored by an earlier, interrupted run of the same dump, not redone. */
  alreadyStored: number;
  /** Message bytes verified. */
  bytes: number;
}

export interface IngestOptions {
  /**
   * The dump's identity, which may take a pass over the whole dump (its SHA-256): the queue's workers start
   * while it is computed.
   */
  dump: Promise<Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'>>;
  entries: AsyncIterable<DumpEntry>;
  store: VerdictStore;
  /** Starts the queue that verifies messages and hands each finished record to `onResult`. */
  startQueue: (onResult: (record: VerifiedEntry) => void) => WorkQueue<MessageEntry>;
  /** Turns a verified entry into the record stored (describe-entry.ts unless given). */
  describe?: (verified: VerifiedEntry) => Promise<EntryRecord>;
  /** The clock at the edge: when the run started and ended, for the dump record. */
  now: () => Date;
  onProgress?: (progress: IngestProgress) => void;
  /** Set it to stop early (Ctrl-C): what is done is stored and the dump is marked interrupted. */
  signal?: AbortSignal;
}

const BATCH_SIZE = 500;
/**
 * Bytes of files (attachments whose metadata the reading thread reads: see verifyEntry) waiting to be described,
 * at most, before the reader waits: a few large PDFs, held once each.
 */
export const MAX_DESCRIBING_BYTES = 64 * 1024 * 1024;
/**
 * Records made while the dump's identity is still being computed, at most: its SHA-256 is a pass over the whole
 * dump (~0.5 s for 250 MB), and the reader verifies ahead of it instead of waiting, then waits here. A record is
 * ~2.5 KB, so this holds ~5 MB.
 */
export const MAX_RECORDS_BEFORE_OPEN = 4 * BATCH_SIZE;

/**
 * Splits a dump into entries, queues the messages for verification and stores every outcome. Idempotent:
 * entries already stored for this dump (an interrupted earlier run) are counted, not stored again.
 *
 * The dump is opened in the store once its identity is known, which may take a pass over the whole dump; the
 * reading does not wait for it. An identity already known opens the dump before anything is read, so a resumed
 * run skips what is stored; one still being computed does not, and what was verified ahead of it that an earlier
 * run had stored is dropped, not stored twice (on a resumed run, at most MAX_RECORDS_BEFORE_OPEN records are
 * verified again, once).
 */
export async function ingest(options: IngestOptions): Promise<{ dump: DumpRecord; progress: IngestProgress; interrupted: boolean }> {
  const { store, now, describe = describeEntry } = options;
  const progress: IngestProgress = { located: 0, messages: 0, documents: 0, skipped: 0, errors: 0, alreadyStored: 0, bytes: 0 };
  const opening = (async () => {
    const dump = await store.openDump(await options.dump, now());
    return { dump, stored: await store.storedLocators(dump.id) };
  })();
  // Where the opening stands, set when it settles (read by the reader and by `record`).
  const open: { opened: { dump: DumpRecord; stored: Set<string> } | null; failed: boolean } = { opened: null, failed: false };
  opening.then((value) => (open.opened = value), () => (open.failed = true));
  let recordsBeforeOpen = 0;
  let batch: EntryRecord[] = [];
  let writing: Promise<void> = Promise.resolve();

  const flush = () => {
    if (batch.length === 0) return writing;
    const records = batch;
    batch = [];
    writing = writing.then(async () => {
      const { dump, stored } = await opening;
      await store.putEntries(dump.id, stored.size === 0 ? records : records.filter((entry) => !storedBefore(entry, stored)));
    });
    // A failed write surfaces at the final flush, as one error; until then it must not crash the process as an
    // unhandled rejection (with a stack trace) while the batch flushes in the background.
    writing.catch(() => {});
    return writing;
  };
  /** A record made ahead of the dump's opening that an earlier run had stored: counted as such, not stored. */
  const storedBefore = (entry: EntryRecord, stored: Set<string>) => {
    if (!stored.has(locatorKey(entry.locator))) return false;
    count(entry, -1);
    progress.alreadyStored++;
    return true;
  };
  const count = (entry: EntryRecord, by: 1 | -1) => {
    if (entry.kind === 'message') progress.messages += by;
    else if (entry.kind === 'document') progress.documents += by;
    else if (entry.kind === 'skipped') progress.skipped += by;
    else progress.errors += by;
  };
  const record = (entry: EntryRecord, bytes = 0) => {
    count(entry, 1);
    progress.bytes += bytes;
    if (open.opened === null) recordsBeforeOpen++;
    batch.push(entry);
    if (batch.length >= BATCH_SIZE) void flush();
    options.onProgress?.(progress);
  };

  const sizes = new Map<string, number>();
  // Records are described here, on the splitting thread, in the order they arrive (see verifyEntry): display
  // headers decoded, and the metadata of files the workers left to it read. The files' bytes wait here, so the
  // reader waits while more than MAX_DESCRIBING_BYTES of them do.
  let describing: Promise<void> = Promise.resolve();
  let describingBytes = 0;
  const queue = options.startQueue((result) => {
    const key = locatorKey(result.locator);
    const size = sizes.get(key) ?? 0;
    sizes.delete(key);
    const held = result.kind === 'message' ? result.toDescribe.reduce((sum, file) => sum + file.bytes.byteLength, 0) : 0;
    describingBytes += held;
    describing = describing.then(async () => {
      record(await describe(result), size);
      describingBytes -= held;
    });
  });
  // One turn of the event loop: an identity given already known (and a store that answers at once) opens first.
  await Promise.race([opening, new Promise((resolve) => setImmediate(resolve))]).catch(() => {});
  let interrupted = false;
  let failure: { error: unknown } | null = null;
  try {
    for await (const entry of options.entries) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      if (open.failed) break;
      if (open.opened === null && recordsBeforeOpen >= MAX_RECORDS_BEFORE_OPEN) await opening;
      progress.located++;
      const key = locatorKey(entry.locator);
      if (open.opened?.stored.has(key)) {
        progress.alreadyStored++;
        continue;
      }
      if (entry.kind === 'message') {
        sizes.set(key, messageSize(entry));
        if (describingBytes > MAX_DESCRIBING_BYTES) await describing;
        await queue.submit(entry);
      } else if (entry.kind === 'document') {
        // Described here, one at a time, while the workers verify: the reader holds one document at most (see
        // MAX_DOCUMENT_HOLD_BYTES), and type and metadata cost little beside verifying.
        record(await describeDocument(entry));
      } else record(entryRecordOf(entry));
    }
    await queue.drain();
  } catch (error) {
    failure = { error };
  }
  // Whatever stopped the reading, messages already with the workers are finished and stored; a dump that did
  // not finish says so, and the same command resumes it.
  await queue.drain().catch(() => {});
  await queue.close();
  await describing;
  // A dump that could not be opened (its identity or the store failed) has nothing stored: that error is told.
  const { dump } = await opening;
  await flush();
  await store.setStatus(dump.id, failure || interrupted ? 'interrupted' : 'complete', now());
  if (failure) throw failure.error;
  return { dump, progress, interrupted };
}
