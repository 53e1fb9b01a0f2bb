/**
 * A worker's side of a re-verification job (see queue-reverification.ts): read the job's units once, as a
 * split's job is read, and re-verify the messages it wants with the current archive and rules.
 */
import { readWanted } from '../fanout/locate-units.ts';
import type { WorkJob } from '../fanout/work-units.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { VerdictStore } from '../ports/verdict-store.ts';
import type { MessageVerifier } from '../verify/verify-message.ts';
import { reverifyMessages, type ReverifyTally } from './reverify-messages.ts';

export interface ReverifyJobOptions {
  blobs: BlobStore;
  store: VerdictStore;
  verifier: MessageVerifier;
  /** The worker's clock: when replaced verdicts were replaced. */
  now: Date;
}

/**
 * Re-verifies a job's wanted messages and replaces the verdicts that changed. Wanted messages its units no
 * longer yield count as unreadable and keep their verdicts. Throws when the dump cannot be read (the job is
 * then delivered again); a redelivered job makes the same batch ids, so its replacements are counted once.
 */
export async function reverifyJob(job: WorkJob, { blobs, store, verifier, now }: ReverifyJobOptions): Promise<ReverifyTally> {
  const order = job.reverify;
  if (!order) throw new Error(`job ${job.jobId} of dump ${job.dumpId} is not a re-verification job`);
  const causes = new Map(Object.entries(order.causes));
  return reverifyMessages(readWanted(blobs, job, new Set(causes.keys())), {
    dumpId: job.dumpId,
    causes,
    store,
    verifier,
    now,
    batchId: (sequence) => reverifyBatchId(order.runId, job.jobId, sequence),
  });
}

/** Names a job's n-th batch of replacements: "reverify-<run>-<job>-<n>". */
export function reverifyBatchId(runId: string, jobId: number, sequence: number): string {
  return `reverify-${runId}-${jobId}-${sequence}`;
}
