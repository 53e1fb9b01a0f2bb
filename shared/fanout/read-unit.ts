/**
 * The worker's side of a work unit: fetch its bytes and read them with the same readers `leakproof ingest`
 * uses, so a message reads the same wherever it was split.
 */
import { Readable } from 'node:stream';
import { SpoolBudget } from '../dump/chunks.ts';
import { readItem } from '../dump/dispatch.ts';
import type { DumpEntry } from '../dump/entry.ts';
import { readMbox } from '../dump/mbox.ts';
import { mboxReadings } from '../dump/mbox-quoting.ts';
import { memberToItem } from '../dump/zip-member.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { LOCAL_HEADER_BYTES, LOCAL_HEADER_SIGNATURE, variableLengths } from '../dump/zip-local-header.ts';
import { outlookEntryOf } from './outlook-object.ts';
import { unitSpan, type WorkJob, type WorkUnit } from './work-units.ts';

const MiB = 1024 * 1024;

/**
 * What temp copies (nested zips, a staged .7z/.rar/.pst) and 7-Zip's extractions may take together in a Lambda
 * whose /tmp holds `tmpMiB` (its ephemeral storage): all of it but a margin of 1/20, at least 64 MiB, for the
 * runtime's own files and the file system's overhead (7-Zip's extracted files are counted by their bytes, not
 * their blocks). Past it, a copy or an extraction is an error naming the budget rather than a "no space left"
 * failure. 512 MiB (Lambda's default) gives 448 MiB; the splitter's 10,240 MiB gives 9,728 MiB.
 */
export function lambdaSpoolBytes(tmpMiB: number): number {
  const tmp = tmpMiB * MiB;
  return tmp - Math.max(64 * MiB, Math.ceil(tmp / 20 / MiB) * MiB);
}

/** A Lambda's /tmp unless it asks for more, in MiB. */
export const LAMBDA_DEFAULT_TMP_MIB = 512;

/** The spool budget of a Lambda with the default /tmp (the workers'). */
export const LAMBDA_SPOOL_BYTES = lambdaSpoolBytes(LAMBDA_DEFAULT_TMP_MIB);

/** Neighbouring units are fetched with one ranged read unless they lie further apart than this. */
const MAX_SHARED_READ_BYTES = 64 * 1024 * 1024;

/** Fetches a job's bytes from the dump: one ranged read covering all its units when they lie together. */
export async function jobReader(blobs: BlobStore, job: WorkJob): Promise<(start: number, end: number) => Promise<Buffer>> {
  const spans = job.units.map(unitSpan).filter((span) => span !== undefined);
  const readDirect = (start: number, end: number) => blobs.readRange(job.key, start, end);
  if (spans.length < 2) return readDirect;
  const start = Math.min(...spans.map((span) => span.start));
  const end = Math.max(...spans.map((span) => span.end));
  if (end - start > MAX_SHARED_READ_BYTES) return readDirect;
  const shared = await blobs.readRange(job.key, start, end);
  // The last member's span may reach past the end of the dump (header slack): what the dump holds is all there is.
  const endOfDump = shared.length < end - start;
  return async (from, to) => (from >= start && (to <= start + shared.length || endOfDump) ? shared.subarray(from - start, to - start) : readDirect(from, to));
}

/**
 * Every entry of a job's units, in order, the units fetched as jobReader groups them. `spool` bounds the temp
 * copies of the zips found inside the units, all of them together (a worker Lambda's by default).
 */
export async function* readJob(blobs: BlobStore, job: WorkJob, spool = new SpoolBudget(LAMBDA_SPOOL_BYTES)): AsyncGenerator<DumpEntry> {
  const read = await jobReader(blobs, job);
  for (const unit of job.units) yield* readUnit(unit, read, blobs, spool);
}

export async function* readUnit(unit: WorkUnit, read: (start: number, end: number) => Promise<Buffer>, blobs: BlobStore, spool: SpoolBudget): AsyncGenerator<DumpEntry> {
  switch (unit.kind) {
    case 'entry':
      yield unit.entry;
      return;
    case 'zip-member': {
      const data = await memberData(unit, read);
      const item = memberToItem(unit.member, '', async () => Readable.from([data]));
      if (item === undefined) return;
      if (item.kind === 'error') yield item;
      else yield* readItem(item, undefined, spool);
      return;
    }
    case 'mbox-range': {
      const stored = await read(unit.offset, unit.offset + unit.length);
      yield* readMbox(unit.path, Readable.from([stored]), unit.offset);
      return;
    }
    case 'document': {
      const bytes = await blobs.readRange(unit.key, 0, Number.MAX_SAFE_INTEGER);
      yield { kind: 'document', locator: unit.locator, size: unit.size, sha256: unit.sha256, bytes, whole: unit.whole };
      return;
    }
    case 'object': {
      if (unit.as === 'file') {
        yield* readItem({ kind: 'item', path: unit.locator.path, read: () => blobs.stream(unit.key) }, '', spool);
        return;
      }
      const bytes = await blobs.readRange(unit.key, 0, Number.MAX_SAFE_INTEGER);
      if (unit.as === 'outlook') yield outlookEntryOf(unit.locator, bytes);
      else yield unit.as === 'mbox-record' ? { kind: 'message', locator: unit.locator, ...mboxReadings(bytes) } : { kind: 'message', locator: unit.locator, bytes };
      return;
    }
  }
}

/** A zip member's stored (compressed) bytes, found through its local header. */
async function memberData(unit: Extract<WorkUnit, { kind: 'zip-member' }>, read: (start: number, end: number) => Promise<Buffer>): Promise<Buffer> {
  const span = unitSpan(unit)!;
  const bytes = await read(span.start, span.end);
  if (bytes.length < LOCAL_HEADER_BYTES || bytes.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) {
    throw new Error(`zip member ${unit.member.name}: no local header at offset ${unit.headerOffset}`);
  }
  const { nameLength, extraLength } = variableLengths(bytes);
  const dataStart = LOCAL_HEADER_BYTES + nameLength + extraLength;
  const dataEnd = dataStart + unit.member.compressedSize;
  if (dataEnd <= bytes.length) return bytes.subarray(dataStart, dataEnd);
  return read(unit.headerOffset + dataStart, unit.headerOffset + dataEnd);
}
