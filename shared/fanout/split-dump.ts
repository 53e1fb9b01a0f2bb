/**
 * The splitter's core: reads a dump object where it lies and turns it into work units, without holding the
 * dump. A zip is listed through its central directory with ranged reads; a top-level mbox is streamed once and
 * cut into byte ranges; what cannot be addressed in place (a zip or mbox inside the zip, a zip whose central
 * directory is damaged) is streamed through the local readers and each message is staged as an object of its own.
 *
 * A split can pause between two steps (one entry each) and resume from its cursor in a later invocation: a
 * dump too large for one Lambda's 15 minutes is split by a chain of them (see functions/split.ts). A zip's
 * resumed split passes over the members done without opening them, and resumes a staged container (an mbox or
 * zip inside the zip) at its inner position (dispatch.ts ResumePoint), staging nothing twice.
 */
import yauzl, { type ZipFile } from 'yauzl';
import { classify, extensionOf, SNIFF_BYTES } from '../dump/classify.ts';
import { readItem, resumePointAfter, type ResumePoint } from '../dump/dispatch.ts';
import { SpoolBudget } from '../dump/chunks.ts';
import { escapeName, insideOf, messageSize, type DocumentEntry, type DumpEntry, type MessageEntry } from '../dump/entry.ts';
import { describeError } from '../dump/errors.ts';
import type { DumpItem } from '../dump/item.ts';
import { readMbox } from '../dump/mbox.ts';
import { AS_STORED_READING } from '../dump/mbox-quoting.ts';
import { listMembers, ZIP_OPEN_OPTIONS } from '../dump/zip.ts';
import { memberToItem } from '../dump/zip-member.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { BlobZipReader } from './blob-zip-reader.ts';
import { outlookObject } from './outlook-object.ts';
import { LAMBDA_SPOOL_BYTES } from './read-unit.ts';
import type { WorkUnit } from './work-units.ts';

export type SplitStrategy = 'zip-directory' | 'mbox-ranges' | 'single-object' | 'staged';

/** Where a paused split goes on: its strategy, the steps done, and (mbox) the byte offset the next record can start at. */
export interface SplitCursor {
  strategy: SplitStrategy;
  steps: number;
  offset: number;
  /** Messages staged so far: names the next staged object. */
  staged: number;
  /** zip: the index (in central-directory order) of the member to go on with; those before it are done. */
  member?: number;
  /** zip: inside that member, a container being staged: where to resume it, and the steps done since that point. */
  inside?: { at?: ResumePoint; stepsSince: number };
}

export interface SplitOptions {
  blobs: BlobStore;
  /** The dump's object key. */
  key: string;
  /** The dump's name: the locator path of a dump that is a single file (as `leakproof ingest` names it). */
  name: string;
  /** Where staged messages are written, e.g. "staging/<dump id>/". */
  stagingPrefix: string;
  emit: (unit: WorkUnit) => Promise<void>;
  /** Where a paused split left off. */
  resume?: SplitCursor;
  /** Asked after every step: true pauses the split and returns its cursor. */
  pauseWhen?: () => boolean;
  /** Steps run ahead of the one being emitted (default STEPS_IN_FLIGHT). */
  stepsInFlight?: number;
  /**
   * Disk the leg's temp copies and extractions may take together (read-unit.ts lambdaSpoolBytes of the function's
   * /tmp; LAMBDA_SPOOL_BYTES, a default /tmp's, when not given).
   */
  spoolBytes?: number;
}

/** One entry's worth of splitting. `run` does the writing (a staged object) and returns the units to emit. */
interface Step {
  run(): Promise<WorkUnit[]>;
  /** Bytes of the dump it holds until it has run (a message or document to stage). */
  holds?: number;
  /** mbox: the offset right after this record, where a resumed scan starts. */
  resumeOffset?: number;
  /** zip: the member it comes from, and (a container being staged) the point inside it after this step. */
  member?: { index: number; inside?: { at?: ResumePoint } };
}

/** Members larger than this are staged even when their name does not say container: no job holds them whole. */
export const STAGE_MEMBERS_ABOVE_BYTES = 64 * 1024 * 1024;
/** Members that may hold many messages, staged through the readers so one job never holds them all. */
const CONTAINER_EXTENSIONS = new Set(['zip', 'mbox', 'mbx', 'tar', 'tgz', 'gz', 'bz2', 'xz', '7z', 'rar', 'pst', 'ost']);

/**
 * Steps run ahead of the one being emitted, so the PUTs of staged messages overlap (each is a round trip to
 * S3); units are still emitted in order, and only once their object exists.
 */
export const STEPS_IN_FLIGHT = 16;
/**
 * Bytes the steps in flight may hold between them (messages and documents waiting to be staged): 16 documents of
 * 64 MiB would be a gigabyte, the splitter's whole memory. Past it, steps are finished before more are read.
 */
export const BYTES_IN_FLIGHT = 192 * 1024 * 1024;

export async function splitDump(options: SplitOptions): Promise<{ strategy: SplitStrategy; paused?: SplitCursor }> {
  // A new split decides how to read the dump (and keeps the zip it opened to tell); a resumed one knows.
  const chosen = options.resume ? undefined : await chooseStrategy(options);
  const cursor: SplitCursor = options.resume ? { ...options.resume } : { strategy: chosen!.strategy, steps: 0, offset: 0, staged: 0 };
  // Steps done that a resumed split passes over one by one: those a cursor cannot point past by position.
  let skip = cursor.strategy === 'mbox-ranges' || cursor.member !== undefined ? 0 : cursor.steps;
  const resumeAt = { member: cursor.member ?? 0, inside: cursor.inside };
  const inFlight: (Pick<Step, 'resumeOffset' | 'member' | 'holds'> & { units: Promise<WorkUnit[]> })[] = [];
  let heldInFlight = 0;
  let pausing = false;
  let stoppedEarly = false;
  const emitOldest = async () => {
    const oldest = inFlight.shift()!;
    for (const unit of await oldest.units) await options.emit(unit);
    heldInFlight -= oldest.holds ?? 0;
    cursor.steps++;
    if (oldest.resumeOffset !== undefined) cursor.offset = oldest.resumeOffset;
    if (oldest.member !== undefined) advanceMember(cursor, oldest.member);
    pausing ||= options.pauseWhen?.() === true;
  };
  for await (const step of stepsOf(cursor, options, chosen?.zipfile, resumeAt)) {
    if (skip > 0) {
      skip--; // done by an earlier invocation; re-listing it is cheap next to doing it again
      continue;
    }
    const units = step.run();
    units.catch(() => {}); // awaited in order below; a failure surfaces there, once
    inFlight.push({ units, resumeOffset: step.resumeOffset, member: step.member, holds: step.holds });
    heldInFlight += step.holds ?? 0;
    if (inFlight.length >= (options.stepsInFlight ?? STEPS_IN_FLIGHT)) await emitOldest();
    while (inFlight.length > 0 && heldInFlight > BYTES_IN_FLIGHT) await emitOldest();
    if (pausing) {
      stoppedEarly = true;
      break;
    }
  }
  // Steps already started are finished and emitted, so the cursor lies after all of them.
  while (inFlight.length > 0) await emitOldest();
  return stoppedEarly ? { strategy: cursor.strategy, paused: cursor } : { strategy: cursor.strategy };
}

/** The cursor after a zip step of `member`: past a member done whole, or at the point inside the one being staged. */
function advanceMember(cursor: SplitCursor, member: NonNullable<Step['member']>): void {
  if (member.inside === undefined) {
    cursor.member = member.index + 1;
    delete cursor.inside;
    return;
  }
  const within = cursor.member === member.index && cursor.inside !== undefined ? cursor.inside : { stepsSince: 0 };
  cursor.member = member.index;
  cursor.inside = member.inside.at === undefined || member.inside.at === within.at ? { at: within.at, stepsSince: within.stepsSince + 1 } : { at: member.inside.at, stepsSince: 0 };
}

/** How a dump object is read: from its zip directory, as mbox byte ranges, as one message, or streamed whole. */
export async function chooseStrategy({ blobs, key, name }: Pick<SplitOptions, 'blobs' | 'key' | 'name'>): Promise<{ strategy: SplitStrategy; zipfile?: ZipFile }> {
  const { size } = await blobs.head(key);
  const what = classify(name, await blobs.readRange(key, 0, Math.min(size, SNIFF_BYTES)));
  if (what.kind === 'zip') {
    const zipfile = await openZip(blobs, key, size);
    // No usable central directory: staged, where the readers fall back to the local headers.
    return zipfile ? { strategy: 'zip-directory', zipfile } : { strategy: 'staged' };
  }
  if (what.kind === 'mbox') return { strategy: 'mbox-ranges' };
  if (what.kind === 'message') return { strategy: 'single-object' };
  return { strategy: 'staged' }; // anything else: the local readers say what it is
}

/**
 * `openedZip`: the zip chooseStrategy already opened, when this split is not a resumed one. `resumeAt`: the
 * cursor's zip position when the split began (the cursor itself moves on as steps are emitted).
 */
async function* stepsOf(cursor: SplitCursor, options: SplitOptions, openedZip: ZipFile | undefined, resumeAt: Pick<SplitCursor, 'inside'> & { member: number }): AsyncGenerator<Step> {
  const { blobs, key } = options;
  const path = escapeName(options.name); // a single-file dump's locator path, as the readers name it
  // The temp copies and extractions this leg makes, all together (a leg that resumes makes them again).
  const spool = new SpoolBudget(options.spoolBytes ?? LAMBDA_SPOOL_BYTES);
  switch (cursor.strategy) {
    case 'single-object':
      yield { run: async () => [{ kind: 'object', key, locator: { path }, as: 'file' }] };
      return;
    case 'mbox-ranges': {
      const start = cursor.offset; // the cursor moves on as steps run
      for await (const entry of readMbox(path, blobs.stream(key, start), start)) {
        if (entry.kind !== 'message') {
          yield { run: () => decidedUnits(entry, cursor, options), holds: heldBytes(entry) };
          continue;
        }
        const offset = entry.locator.offset!;
        const length = entry.locator.length!;
        yield { run: async () => [{ kind: 'mbox-range', path, offset, length }], resumeOffset: offset + length };
      }
      return;
    }
    case 'zip-directory': {
      const zipfile = openedZip ?? (await openZip(blobs, key, (await blobs.head(key)).size));
      if (!zipfile) throw new Error(`zip ${options.name}: central directory no longer readable`);
      spool.allowFor(zipfile.fileSize); // read in place, as `leakproof ingest` reads a dump's zip
      yield* zipDirectorySteps(zipfile, cursor, options, spool, resumeAt);
      return;
    }
    case 'staged':
      // Streamed (tar, gzip) or fetched to /tmp first (7z, rar, pst): allowed as `leakproof ingest` allows the
      // same file read in place, plus its copy.
      spool.allowForCopy((await blobs.head(key)).size);
      yield* stagedSteps(readItem({ kind: 'item', path, read: () => blobs.stream(key) } satisfies DumpItem, '', spool), cursor, options);
  }
}

async function openZip(blobs: BlobStore, key: string, size: number): Promise<ZipFile | undefined> {
  try {
    return await yauzl.fromRandomAccessReaderPromise(new BlobZipReader(blobs, key), size, ZIP_OPEN_OPTIONS);
  } catch {
    return undefined;
  }
}

async function* zipDirectorySteps(
  zipfile: ZipFile,
  cursor: SplitCursor,
  options: SplitOptions,
  spool: SpoolBudget,
  resumeAt: Pick<SplitCursor, 'inside'> & { member: number },
): AsyncGenerator<Step> {
  let index = 0;
  try {
    for await (const { member, headerOffset, open } of listMembers(zipfile)) {
      const at = { index: index++ };
      if (at.index < resumeAt.member) continue; // done in an earlier leg: not opened
      const item = memberToItem(member, '', open);
      if (item === undefined) continue; // a folder
      if (item.kind === 'error') yield { run: async () => [{ kind: 'entry', entry: item }], member: at };
      else if (isContainerName(member.name) || member.uncompressedSize > STAGE_MEMBERS_ABOVE_BYTES) {
        const inside = at.index === resumeAt.member ? resumeAt.inside : undefined;
        yield* containerSteps(item, inside, at.index, cursor, options, spool);
      } else yield { run: async () => [{ kind: 'zip-member', member, headerOffset }], member: at };
    }
  } catch (error) {
    // The directory broke part way: what was listed is queued; the rest is one error (given again by a leg that
    // resumes past it, so passed over by its place after the last member listed).
    if (index < resumeAt.member) return;
    const reason = `zip damaged: central directory unreadable (${describeError(error)})`;
    yield { run: async () => [{ kind: 'entry', entry: { kind: 'error', locator: insideOf(escapeName(options.name)), reason } }], member: { index } };
  } finally {
    zipfile.close();
  }
}

function isContainerName(path: string): boolean {
  const ext = extensionOf(path);
  return ext !== undefined && CONTAINER_EXTENSIONS.has(ext);
}

/**
 * The steps of a zip member staged through the readers, each with the point inside the member after it; a
 * resumed one starts at its point and passes over the steps done since.
 */
async function* containerSteps(
  item: DumpItem,
  resume: SplitCursor['inside'],
  index: number,
  cursor: SplitCursor,
  options: SplitOptions,
  spool: SpoolBudget,
): AsyncGenerator<Step> {
  let at = resume?.at;
  let done = resume?.stepsSince ?? 0;
  for await (const step of stagedSteps(readItem(item, undefined, spool, at), cursor, options)) {
    at = resumePointAfter(item.path, step.entry, at);
    if (done > 0) {
      done--;
      continue;
    }
    yield { ...step, member: { index, inside: { at } } };
  }
}

/**
 * A step per entry the readers yield; a message or a document is written to an object of its own when its step
 * runs (the next staged name), for a worker to verify or describe.
 */
async function* stagedSteps(entries: AsyncIterable<DumpEntry>, cursor: SplitCursor, options: SplitOptions): AsyncGenerator<Step & { entry: DumpEntry }> {
  for await (const entry of entries) {
    if (entry.kind !== 'message') {
      yield { entry, run: () => decidedUnits(entry, cursor, options), holds: heldBytes(entry) };
      continue;
    }
    yield {
      entry,
      holds: heldBytes(entry),
      run: async () => {
        // An mbox message is staged as stored, so the worker can try every reading of its ">From " quoting.
        const asStored = entry.alternateReadings?.find((reading) => reading.name === AS_STORED_READING)?.bytes;
        const key = `${options.stagingPrefix}${cursor.staged++}`;
        // An Outlook message keeps the header section Outlook stored, which its signatures are checked against.
        if (entry.outlook !== undefined) {
          await options.blobs.put(key, outlookObject(entry));
          return [{ kind: 'object', key, locator: entry.locator, as: 'outlook' }];
        }
        await options.blobs.put(key, asStored ?? entry.bytes);
        return [{ kind: 'object', key, locator: entry.locator, as: asStored ? 'mbox-record' : 'message' }];
      },
    };
  }
}

/**
 * The unit of an entry that is not a message: a document staged for a worker to describe (describing reads its
 * metadata, which takes a worker's time and memory, not the splitter's), anything else decided already.
 */
async function decidedUnits(entry: Exclude<DumpEntry, MessageEntry>, cursor: SplitCursor, options: SplitOptions): Promise<WorkUnit[]> {
  if (entry.kind !== 'document') return [{ kind: 'entry', entry }];
  const key = `${options.stagingPrefix}${cursor.staged++}`;
  await options.blobs.put(key, entry.bytes);
  return [{ kind: 'document', key, locator: entry.locator, size: entry.size, sha256: entry.sha256, whole: entry.whole, staged: entry.bytes.length }];
}

function heldBytes(entry: DumpEntry): number {
  return entry.kind === 'message' ? messageSize(entry) : entry.kind === 'document' ? (entry as DocumentEntry).bytes.length : 0;
}
