/**
 * The dead-letter recorder: a job that kept failing ends in the DLQ, and each of its units becomes an `error`
 * entry saying so, so the dump's counts still add up (located = verdicts + skipped + errors) and it completes.
 * A re-verification's job is different: its messages have verdicts already, which stand. It is logged and
 * dropped; the next run selects the same messages again.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { awsAdapters, lazily } from '../shared/adapters/aws/aws-adapters.ts';
import { settleIfDue } from '../shared/adapters/aws/settle-queue.ts';
import { unitFailureRecord } from '../shared/fanout/unit-failure.ts';
import { jobBatchId, parseJob } from '../shared/fanout/parse-job.ts';

const logger = new Logger();
const adapters = lazily(() => awsAdapters());
const processor = new BatchProcessor(EventType.SQS);

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { store, clients, settings } = adapters();
  const recordDeadJob = async (record: SQSRecord): Promise<void> => {
    let job;
    try {
      job = parseJob(record.body);
    } catch (error) {
      // Not a job at all: nothing to count it against. Dropped with a log line rather than retried forever.
      logger.error('dead letter is not a job; dropped', { messageId: record.messageId, error: (error as Error).message });
      return;
    }
    if (job.reverify) {
      // Counts and names only: the locators stay out of the log.
      logger.warn('dead re-verification job dropped; its messages keep their verdicts', {
        dumpId: job.dumpId,
        jobId: job.jobId,
        runId: job.reverify.runId,
        units: job.units.length,
        messages: Object.keys(job.reverify.causes).length,
      });
      return;
    }
    const batchId = jobBatchId(job);
    // Counted under the job's own batch id: a job that did write its entries (its marker is there: its delete from
    // the queue was lost, or it died counting) keeps its verdicts, and only its counting is finished.
    const reason = `not verified: its job kept failing and was set aside (see the worker's log for job ${job.jobId})`;
    const progress = await store.putBatch(job.dumpId, job.units.map((unit) => unitFailureRecord(unit, reason)), { id: batchId, extraLocated: 0 });
    await settleIfDue(progress, job.dumpId, clients.sqs, settings.splitQueueUrl);
    logger.info('dead job recorded as errors', { dumpId: job.dumpId, jobId: job.jobId, units: job.units.length });
  };
  return processPartialResponse(event, recordDeadJob, processor, { context });
}
