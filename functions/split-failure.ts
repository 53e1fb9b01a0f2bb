/**
 * The split failure recorder: a split that will not finish is marked `failed` with the reason, so no dump stays
 * `splitting` or `interrupted` without anyone being told. It reads two queues: the splitter's on-failure
 * destination (an S3 event Lambda gave up on) and the split dead-letter queue (a continuation that kept failing).
 * Jobs the split already queued are still verified and counted; the dump just never becomes complete.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { awsAdapters, lazily } from '../shared/adapters/aws/aws-adapters.ts';
import { uploadDump } from '../shared/adapters/aws/s3-upload.ts';
import { DUMPS_FAILED_METRIC, splitFailuresOf, type SplitFailure } from '../shared/adapters/aws/split-failures.ts';

const logger = new Logger();
const metrics = new Metrics();
const adapters = lazily(() => awsAdapters());
const processor = new BatchProcessor(EventType.SQS);

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  try {
    return await processPartialResponse(event, recordFailure, processor, { context });
  } finally {
    metrics.publishStoredMetrics();
  }
}

async function recordFailure(record: SQSRecord): Promise<void> {
  let failures: SplitFailure[];
  try {
    failures = splitFailuresOf(record.body);
  } catch (error) {
    // Nothing to mark: dropped with a log line rather than retried forever.
    logger.error('split failure message not understood; dropped', { messageId: record.messageId, error: (error as Error).message });
    return;
  }
  for (const failure of failures) await markFailed(failure);
}

async function markFailed(failure: SplitFailure): Promise<void> {
  const { store } = adapters();
  const at = new Date();
  if (failure.kind === 'upload' && (await store.counts(failure.dumpId)) === null) {
    // The first attempt failed before it opened the dump: the failure needs a record to be shown on.
    await store.openDump(uploadDump(failure.dumpId, failure.upload), at);
  }
  const marked = await store.markFailed(failure.dumpId, failure.reason, at);
  // The dump id and how it failed; the reason may name members of the dump, so it stays out of the log.
  logger.info(marked ? 'dump marked failed' : 'dump already complete or failed; left as it is', { dumpId: failure.dumpId, via: failure.kind });
  if (marked) metrics.addMetric(DUMPS_FAILED_METRIC, MetricUnit.Count, 1);
}
