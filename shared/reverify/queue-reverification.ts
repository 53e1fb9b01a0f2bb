/**
 * A re-verification run handed to the workers (AWS): the affected messages are selected by index, each dump's
 * units holding them are located without splitting the dump again (a zip's central directory, an mbox's byte
 * ranges), and neighbouring units go on the work queue as jobs naming the messages wanted from them. The
 * workers re-read and re-verify them (see reverify-job.ts); nothing here reads a message.
 */
import { randomBytes } from 'node:crypto';
import { describeError } from '../dump/errors.ts';
import { JobBatcher, type BatcherPosition } from '../fanout/job-batcher.ts';
import { locateUnits } from '../fanout/locate-units.ts';
import type { WorkJob } from '../fanout/work-units.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { KeyArchive } from '../ports/key-archive.ts';
import type { VerdictStore } from '../ports/verdict-store.ts';
import type { ChangeCause } from '../verdict/contract.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import { storedLocators } from './run-reverification.ts';
import { selectAffected, selectionSize, type SelectionScope } from './select-affected.ts';

export interface QueueReverificationOptions {
  store: VerdictStore;
  archive: KeyArchive;
  /** Where the dumps are: their records name them by S3 URI. */
  blobs: BlobStore;
  queue: WorkQueue<WorkJob>;
  scope?: SelectionScope;
  /** Names this queueing: every job and replacement batch carries it (see newRunId). */
  runId: string;
}

export interface QueuedReverification {
  /** Messages the selection found affected. */
  selected: number;
  /** Of those, messages queued: a message no longer stored, or not found in its dump's units, is not. */
  queued: number;
  /** Dumps with messages queued. */
  dumps: string[];
  jobs: number;
  /** Dumps with selected messages that could not be queued (no longer stored, not in S3, unreadable), each with why. */
  skipped: { dumpId: string; reason: string }[];
}

export async function queueReverification(options: QueueReverificationOptions): Promise<QueuedReverification> {
  const { store, blobs, queue, runId } = options;
  const selection = await selectAffected(store, options.archive, options.scope);
  const result: QueuedReverification = { selected: selectionSize(selection), queued: 0, dumps: [], jobs: 0, skipped: [] };
  if (selection.size === 0) return result;
  const dumps = new Map((await store.listDumps()).map((dump) => [dump.id, dump]));
  // Job ids count on across the run's dumps: each job, and each batch of replacements it makes, has a name of its own.
  let position: BatcherPosition = { nextJobId: 0, unitCount: 0 };
  for (const [dumpId, causes] of selection) {
    const dump = dumps.get(dumpId);
    const key = dump ? objectKeyOf(dump.source) : null;
    if (!dump || key === null) {
      result.skipped.push({ dumpId, reason: dump ? `not an S3 object: ${dump.source}` : 'no longer stored' });
      continue;
    }
    let located;
    try {
      located = await locateUnits({ blobs, key, name: dump.name }, await storedLocators(store, dumpId, causes));
    } catch (error) {
      // One dump's object gone or unreadable must not hold up the others' runs.
      result.skipped.push({ dumpId, reason: `cannot locate its messages: ${describeError(error)}` });
      continue;
    }
    const batcher = new JobBatcher(dumpId, key, (job) => queue.submit(job), position, runId);
    let queued = 0;
    for (const { unit, wanted } of located) {
      const wantedCauses = new Map<string, ChangeCause>();
      for (const locator of wanted) {
        const cause = causes.get(locator);
        if (cause) wantedCauses.set(locator, cause);
      }
      queued += wantedCauses.size;
      await batcher.add(unit, wantedCauses);
    }
    await batcher.flush();
    position = batcher.position();
    result.queued += queued;
    if (queued > 0) result.dumps.push(dumpId);
  }
  await queue.drain();
  result.jobs = position.nextJobId;
  return result;
}

/** The object key of a dump stored in S3 ("s3://bucket/uploads/leak.zip" → "uploads/leak.zip"), or null. */
export function objectKeyOf(source: string): string | null {
  const match = /^s3:\/\/[^/]+\/(.+)$/s.exec(source);
  return match ? match[1]! : null;
}

/**
 * A run id: short, since every replacement batch a run's jobs make is named by it (and remembered by the dump
 * it counted in); time first, so ids sort by when runs were queued. Each queueing gets its own: a retried one
 * must not reuse job names whose contents differ.
 */
export function newRunId(now = new Date()): string {
  return `${now.getTime().toString(36)}${randomBytes(5).toString('hex')}`;
}
