import { exportLines } from '../../pipeline/export-lines.ts';
import { exportRecordsMatching } from '../../pipeline/filtered-export.ts';
import type { ExportJob } from '../../ports/export-delivery.ts';
import type { ExportRecord, VerdictStore } from '../../ports/verdict-store.ts';
import { effectiveState, EXPORT_HEARTBEAT_MS, type S3ExportDelivery } from './s3-export-delivery.ts';

export interface ExportRunOptions {
  store: VerdictStore;
  delivery: S3ExportDelivery;
  /** Milliseconds the invocation has left (Lambda's context.getRemainingTimeInMillis). */
  remainingMs: () => number;
  /** Hears of the cause of a failure, which the export's state names only in general terms. */
  log?: (error: unknown) => void;
  /** How often the state is rewritten while writing (tests shorten it). */
  heartbeatMs?: number;
}

/**
 * The export stops this long before the function would be stopped, to abort the upload and record why: a
 * state left "running" would only be found failed minutes later.
 */
export const STOP_BEFORE_END_MS = 60_000;

export type ExportOutcome = 'done' | 'failed' | 'skipped';

class OutOfTime extends Error {}

/**
 * Writes one export: its state goes queued → running (rewritten every heartbeat with the records and bytes so
 * far) → done, or failed with the reason. An export that is not queued — finished, failed, taken for dead, or
 * running under another delivery of the same job — is left alone ('skipped'), so a job delivered twice writes
 * it once. Never throws for the export's own failures: they are its state; only failing to record the state does.
 */
export async function runExport(job: ExportJob, options: ExportRunOptions): Promise<ExportOutcome> {
  const { store, delivery, remainingMs } = options;
  const stored = await delivery.stored(job.dumpId, job.exportId);
  if (stored === null || effectiveState(stored, delivery.now()).status !== 'queued') return 'skipped';
  const { requestedAt } = stored;
  const progress = { records: 0, bytes: 0 };
  const running = () => delivery.record(job, { status: 'running', format: job.format, requestedAt, updatedAt: delivery.now().toISOString(), ...progress });
  await running();

  // One rewrite at a time, every heartbeat, whether or not lines are flowing: a slow store is not a dead job.
  let beating: Promise<void> = Promise.resolve();
  const heartbeat = setInterval(() => {
    beating = beating.then(running).catch((error: unknown) => options.log?.(error));
  }, options.heartbeatMs ?? EXPORT_HEARTBEAT_MS);
  try {
    const records = counted(exportRecordsMatching(store, job.dumpId, job.filters ?? {}), progress, remainingMs);
    progress.bytes = await delivery.write(job, exportLines(records, job.format), (bytes) => (progress.bytes = bytes));
    clearInterval(heartbeat);
    await beating;
    await delivery.record(job, { status: 'done', format: job.format, requestedAt, finishedAt: delivery.now().toISOString(), ...progress });
    return 'done';
  } catch (error) {
    clearInterval(heartbeat);
    await beating;
    const reason =
      error instanceof OutOfTime
        ? `the export did not fit in one run of the export function (${progress.records} records, ${progress.bytes} bytes written before it had to stop); nothing was kept`
        : 'the export failed while reading the verdicts or writing the file; the cause is in the export function\'s log';
    if (!(error instanceof OutOfTime)) options.log?.(error);
    await delivery.record(job, { status: 'failed', format: job.format, requestedAt, reason });
    return 'failed';
  }
}

/** The records, counted as they pass, stopping (OutOfTime) once the invocation nears its end. */
async function* counted(records: AsyncIterable<ExportRecord>, progress: { records: number }, remainingMs: () => number): AsyncGenerator<ExportRecord> {
  for await (const record of records) {
    if (remainingMs() < STOP_BEFORE_END_MS) throw new OutOfTime();
    progress.records++;
    yield record;
  }
}
