/**
 * The splitter's core: reads a dump object where it lies and turns it into work units, without holding the
 * dump. A zip is listed through its central directory with ranged reads; a top-level mbox is streamed once and
 * cut into byte ranges; what cannot be addressed in place (a zip or mbox inside the zip, a zip whose central
 * directory is damaged) is streamed through the local readers and each message is staged as an object of its own.
 */
import yauzl, { type ZipFile } from 'yauzl';
import { classify, extensionOf, SNIFF_BYTES } from '../dump/classify.ts';
import { readItem } from '../dump/dispatch.ts';
import type { DumpEntry } from '../dump/entry.ts';
import { describeError } from '../dump/errors.ts';
import type { DumpItem } from '../dump/item.ts';
import { readMbox } from '../dump/mbox.ts';
import { AS_STORED_READING } from '../dump/mbox-quoting.ts';
import { listMembers, ZIP_OPEN_OPTIONS } from '../dump/zip.ts';
import { memberToItem } from '../dump/zip-member.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { BlobZipReader } from './blob-zip-reader.ts';
import type { WorkUnit } from './work-units.ts';

export interface SplitOptions {
  blobs: BlobStore;
  /** The dump's object key. */
  key: string;
  /** The dump's name: the locator path of a dump that is a single file (as `leakproof ingest` names it). */
  name: string;
  /** Where staged messages are written, e.g. "staging/<dump id>/". */
  stagingPrefix: string;
  emit: (unit: WorkUnit) => Promise<void>;
}

/** Split options plus the count of messages staged so far, which names the next staged object. */
type StagingOptions = SplitOptions & { staged: number };

/** Members larger than this are staged even when their name does not say container: no job holds them whole. */
export const STAGE_MEMBERS_ABOVE_BYTES = 64 * 1024 * 1024;
const CONTAINER_EXTENSIONS = new Set(['zip', 'mbox', 'mbx']);

export type SplitStrategy = 'zip-directory' | 'mbox-ranges' | 'single-object' | 'staged';

export async function splitDump(splitOptions: SplitOptions): Promise<{ strategy: SplitStrategy }> {
  const options = { ...splitOptions, staged: 0 };
  const { blobs, key, name } = options;
  const { size } = await blobs.head(key);
  const head = await blobs.readRange(key, 0, Math.min(size, SNIFF_BYTES));
  const what = classify(name, head);
  if (what.kind === 'zip') {
    const zipfile = await openZip(blobs, key, size);
    if (zipfile) {
      await splitZipDirectory(zipfile, options);
      return { strategy: 'zip-directory' };
    }
  } else if (what.kind === 'mbox') {
    for await (const entry of readMbox(name, blobs.stream(key))) {
      await options.emit(entry.kind === 'message' ? { kind: 'mbox-range', path: name, offset: entry.locator.offset!, length: entry.locator.length! } : { kind: 'entry', entry });
    }
    return { strategy: 'mbox-ranges' };
  } else if (what.kind === 'message') {
    await options.emit({ kind: 'object', key, locator: { path: name }, as: 'file' });
    return { strategy: 'single-object' };
  }
  // Anything else, a damaged zip included: the local readers stream it and say what each entry is.
  await stage(readItem(objectItem(blobs, key, name), ''), options);
  return { strategy: 'staged' };
}

async function openZip(blobs: BlobStore, key: string, size: number): Promise<ZipFile | undefined> {
  try {
    return await yauzl.fromRandomAccessReaderPromise(new BlobZipReader(blobs, key), size, ZIP_OPEN_OPTIONS);
  } catch {
    return undefined; // no usable central directory: staged, where the readers fall back to the local headers
  }
}

async function splitZipDirectory(zipfile: ZipFile, options: StagingOptions): Promise<void> {
  try {
    for await (const { member, headerOffset, open } of listMembers(zipfile)) {
      const item = memberToItem(member, '', open);
      if (item === undefined) continue; // a folder
      if (item.kind === 'error') await options.emit({ kind: 'entry', entry: item });
      else if (isContainerName(member.name) || member.uncompressedSize > STAGE_MEMBERS_ABOVE_BYTES) await stage(readItem(item), options);
      else await options.emit({ kind: 'zip-member', member, headerOffset });
    }
  } catch (error) {
    // The directory broke part way: what was listed is queued; the rest is one error, as the local reader
    // would report it after its own fallback had read what it could.
    await options.emit({ kind: 'entry', entry: { kind: 'error', locator: { path: options.name }, reason: `zip damaged: central directory unreadable (${describeError(error)})` } });
  } finally {
    zipfile.close();
  }
}

function isContainerName(path: string): boolean {
  const ext = extensionOf(path);
  return ext !== undefined && CONTAINER_EXTENSIONS.has(ext);
}

/** Writes each message the readers yield to an object of its own and emits a unit for every entry. */
async function stage(entries: AsyncIterable<DumpEntry>, options: StagingOptions): Promise<void> {
  for await (const entry of entries) {
    if (entry.kind !== 'message') {
      await options.emit({ kind: 'entry', entry });
      continue;
    }
    // An mbox message is staged as stored, so the worker can try every reading of its ">From " quoting.
    const asStored = entry.alternateReadings?.find((reading) => reading.name === AS_STORED_READING)?.bytes;
    const key = `${options.stagingPrefix}${options.staged++}`;
    await options.blobs.put(key, asStored ?? entry.bytes);
    await options.emit({ kind: 'object', key, locator: entry.locator, as: asStored ? 'mbox-record' : 'message' });
  }
}

function objectItem(blobs: BlobStore, key: string, name: string): DumpItem {
  return { kind: 'item', path: name, read: () => blobs.stream(key) };
}
