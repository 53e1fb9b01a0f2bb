/** Runs a dump through the local readers and through the fan-out (split → jobs → verifyJob), to compare the two. */
import { readFile } from 'node:fs/promises';
import { describeDocument } from '../../shared/documents/describe-document.ts';
import { locatorKey } from '../../shared/dump/entry.ts';
import { readDump } from '../../shared/dump/open-dump.ts';
import { JobBatcher, type BatcherPosition } from '../../shared/fanout/job-batcher.ts';
import { splitDump, type SplitCursor } from '../../shared/fanout/split-dump.ts';
import { verifyJob } from '../../shared/fanout/verify-job.ts';
import type { WorkJob } from '../../shared/fanout/work-units.ts';
import { describeEntry } from '../../shared/pipeline/describe-entry.ts';
import { entryRecordOf } from '../../shared/pipeline/entry-record.ts';
import { verifyEntry } from '../../shared/pipeline/verify-entry.ts';
import type { BlobStore } from '../../shared/ports/blob-store.ts';
import type { EntryRecord } from '../../shared/ports/verdict-store.ts';
import type { MessageVerifier } from '../../shared/verify/verify-message.ts';
import { staticResolver } from './keys.ts';

export function byLocator(records: EntryRecord[]): EntryRecord[] {
  return [...records].sort((a, b) => (locatorKey(a.locator) < locatorKey(b.locator) ? -1 : 1));
}

/** What `leakproof ingest` stores for a dump on disk (verification inline instead of on worker threads). */
export async function localRecords(path: string, verifier: MessageVerifier, at: Date): Promise<EntryRecord[]> {
  const records: EntryRecord[] = [];
  for await (const entry of readDump(path)) {
    records.push(entry.kind === 'message' ? await describeEntry(await verifyEntry(entry, verifier, at)) : entry.kind === 'document' ? await describeDocument(entry) : entryRecordOf(entry));
  }
  return byLocator(records);
}

/**
 * Splits a dump into jobs as the splitter Lambda does; with `pauseEvery`, pauses after that many steps and
 * resumes from the cursor in a fresh call, as a chain of invocations would.
 */
export async function splitToJobs(blobs: BlobStore, key: string, name: string, options: { pauseEvery?: number; stepsInFlight?: number; spoolBytes?: number } = {}): Promise<{ jobs: WorkJob[]; units: number; strategy: string; invocations: number; cursors: SplitCursor[] }> {
  const jobs: WorkJob[] = [];
  /** Where each paused leg left off, as its continuation said. */
  const cursors: SplitCursor[] = [];
  let resume: SplitCursor | undefined;
  let position: BatcherPosition | undefined;
  for (let invocations = 1; ; invocations++) {
    const batcher = new JobBatcher('dump', key, async (job) => void jobs.push(structuredClone(job)), position);
    let steps = 0;
    const pauseWhen = options.pauseEvery === undefined ? undefined : () => ++steps % options.pauseEvery! === 0;
    const { strategy, paused } = await splitDump({ blobs, key, name, stagingPrefix: 'staging/dump/', emit: (unit) => batcher.add(unit), resume, pauseWhen, stepsInFlight: options.stepsInFlight, spoolBytes: options.spoolBytes });
    await batcher.flush();
    if (!paused) return { jobs, units: batcher.unitCount, strategy, invocations, cursors };
    // What a continuation message carries, through JSON.
    ({ resume, position } = JSON.parse(JSON.stringify({ resume: paused, position: batcher.position() })) as { resume: SplitCursor; position: BatcherPosition });
    cursors.push(structuredClone(resume));
  }
}

/** The keys of a generated dump's keys.jsonl as a resolver. */
export async function resolverFromKeyFile(path: string) {
  const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  const records: Record<string, string[]> = {};
  for (const line of lines) {
    const { domain, selector, value } = JSON.parse(line) as { domain: string; selector: string; value: string };
    (records[`${selector}._domainkey.${domain}`] ??= []).push(value);
  }
  return staticResolver(records);
}

export async function fanoutRecords(blobs: BlobStore, key: string, name: string, verifier: MessageVerifier, at: Date) {
  const { jobs, units, strategy } = await splitToJobs(blobs, key, name);
  const records: EntryRecord[] = [];
  for (const job of jobs) records.push(...(await verifyJob(JSON.parse(JSON.stringify(job)) as WorkJob, { blobs, verifier, at })).records);
  return { records: byLocator(records), jobs, units, strategy };
}
