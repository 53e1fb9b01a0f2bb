import { CHANGE_CAUSES } from '../verdict/contract.ts';
import type { WorkJob } from './work-units.ts';

/** A queue message's body as a job; a body that is not one is an Error naming what is wrong. */
export function parseJob(body: string): WorkJob {
  let job: Partial<WorkJob>;
  try {
    job = JSON.parse(body) as Partial<WorkJob>;
  } catch {
    throw new Error('queue message is not a job: not JSON');
  }
  if (typeof job?.dumpId !== 'string' || typeof job.key !== 'string' || typeof job.jobId !== 'number' || !Array.isArray(job.units)) {
    throw new Error('queue message is not a job: dumpId, key, jobId or units missing');
  }
  if (job.reverify !== undefined && !isReverifyOrder(job.reverify)) {
    throw new Error('queue message is not a job: reverify needs a runId and causes naming a change cause per locator');
  }
  return job as WorkJob;
}

function isReverifyOrder(order: unknown): boolean {
  if (typeof order !== 'object' || order === null) return false;
  const { runId, causes } = order as { runId?: unknown; causes?: unknown };
  if (typeof runId !== 'string' || runId === '' || typeof causes !== 'object' || causes === null || Array.isArray(causes)) return false;
  return Object.values(causes).every((cause) => (CHANGE_CAUSES as readonly unknown[]).includes(cause));
}

/** The id under which a job's entries are counted (see DynamoVerdictStore.putEntries). */
export function jobBatchId(job: WorkJob): string {
  return `job-${job.jobId}`;
}
