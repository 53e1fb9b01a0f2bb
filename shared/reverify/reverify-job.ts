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

/**
 * Documents a job settles again, at most: at ~100 ms each on DynamoDB (see settle-leg.ts), 20 s of a worker's two
 * minutes beside re-verifying up to 200 messages. The rest keep their decision until read or settled again.
 */
export const MAX_DOCUMENTS_SETTLED_PER_JOB = 200;

export interface ReverifyJobOptions {
  blobs: BlobStore;
  store: VerdictStore;
  verifier: MessageVerifier;
  /** The worker's clock: when replaced verdicts were replaced. */
  now: Date;
}

/**
 * Re-verifies a job's wanted messages and replaces the verdicts that changed. Wanted messages its units no
 * longer yield count as unreadable and keep their verdicts; the documents the changed messages carry are settled
 * again, at most MAX_DOCUMENTS_SETTLED_PER_JOB (reverifyMessages). Throws when the dump cannot be read (the job is
 * then delivered again); a redelivered job makes the same batch ids, so its replacements are counted once, and
 * settles the documents of messages it finds already replaced for its cause.
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
    maxDocumentsSettled: MAX_DOCUMENTS_SETTLED_PER_JOB,
  });
}

/** Names a job's n-th batch of replacements: "reverify-<run>-<job>-<n>". */
export function reverifyBatchId(runId: string, jobId: number, sequence: number): string {
  return `reverify-${runId}-${jobId}-${sequence}`;
}
