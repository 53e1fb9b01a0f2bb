/**
 * The splitter Lambda: an upload under uploads/ becomes a dump record and a stream of jobs on the work queue.
 * The dump is read where it lies (see shared/fanout/split-dump.ts). A split that nears the 15-minute limit
 * pauses between two entries and leaves a continuation on the split queue, which invokes this function again
 * to go on from the cursor: a dump of any size is split by a chain of invocations. The dump's `located` count is
 * set when the last leg ends, and the workers' counts complete it.
 *
 * The same queue carries the settling of a dump's documents' provenance once its entries are all stored
 * (shared/fanout/settle-leg.ts): legs of up to 15 minutes that go on from the last document settled, then complete
 * the dump.
 *
 * Every leg is idempotent (jobs are numbered, staged objects named by their order), so a repeated S3 event or
 * continuation costs work but changes no result. A split that fails is retried (by Lambda for the S3 event, by
 * SQS for a continuation), then reported to the split failure recorder (functions/split-failure.ts), which marks
 * the dump failed; one that takes MAX_SPLIT_LEGS legs is marked failed here.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, S3Event, S3EventRecord, SQSEvent } from 'aws-lambda';
import { awsAdapters, lazily, type AwsAdapters } from '../shared/adapters/aws/aws-adapters.ts';
import { dumpIdOf, uploadDump, uploadOf } from '../shared/adapters/aws/s3-upload.ts';
import { DUMPS_FAILED_METRIC } from '../shared/adapters/aws/split-failures.ts';
import { sqsMessageBody } from '../shared/adapters/aws/sqs-message-body.ts';
import { STAGING_PREFIX, tmpMiBFromEnvironment, UPLOADS_PREFIX } from '../shared/adapters/aws/settings.ts';
import { queueSettleLeg, settleIfDue } from '../shared/adapters/aws/settle-queue.ts';
import { JobBatcher } from '../shared/fanout/job-batcher.ts';
import { lambdaSpoolBytes } from '../shared/fanout/read-unit.ts';
import { splitDump } from '../shared/fanout/split-dump.ts';
import { legCapReason, MAX_SPLIT_LEGS, parseSplitLeg, type SplitLeg } from '../shared/fanout/split-leg.ts';
import { MAX_SETTLE_LEGS, runSettleLeg, settleCapReason, settleOrderOf, type SettleOrder } from '../shared/fanout/settle-leg.ts';

export type { SplitLeg } from '../shared/fanout/split-leg.ts';

/** Time kept back when pausing: the last entry, sending the pending jobs and the continuation. */
export const SPLIT_TIME_RESERVE_MS = 90_000;

const logger = new Logger();
const metrics = new Metrics();
const adapters = lazily(() => awsAdapters());
/** Disk a leg's temp copies and 7-Zip's extractions may take: this function's /tmp, less a margin. */
const spoolBytes = lazily(() => lambdaSpoolBytes(tmpMiBFromEnvironment()));

export async function handler(event: S3Event | SQSEvent, context: Context): Promise<void> {
  try {
    for (const record of event.Records) {
      if ('s3' in record) {
        const leg = await firstLeg(record, adapters());
        if (leg) await runLeg(leg, context, adapters());
      } else {
        const settle = settleOrderOf(record.body);
        if (settle) await settleLeg(settle, context, adapters());
        else await continueLeg(parseSplitLeg(record.body), context, adapters());
      }
    }
  } finally {
    metrics.publishStoredMetrics();
  }
}

async function firstLeg(record: S3EventRecord, { blobs, store, settings, clients }: AwsAdapters): Promise<SplitLeg | undefined> {
  const { bucket, key } = uploadOf(record);
  if (bucket !== settings.bucket || !key.startsWith(UPLOADS_PREFIX)) {
    logger.warn('ignored an object outside the uploads prefix', { bucket });
    return undefined;
  }
  const { size, etag } = await blobs.head(key);
  // The same object version is the same dump: S3 may deliver an event twice.
  const dumpId = dumpIdOf(bucket, key, etag);
  const dump = await store.openDump(uploadDump(dumpId, { bucket, key, size }), new Date());
  if (dump.status !== 'splitting') {
    logger.info('dump already split; event ignored', { dumpId, status: dump.status });
    // A leg that finished the split may have died before queueing the settling of its documents.
    if (dump.status === 'processing') await settleIfDue(await store.progress(dumpId), dumpId, clients.sqs, settings.splitQueueUrl);
    return undefined;
  }
  return { dumpId, key, name: dump.name, leg: 0 };
}

async function continueLeg(leg: SplitLeg, context: Context, adapters: AwsAdapters): Promise<void> {
  const counts = await adapters.store.counts(leg.dumpId);
  if (counts?.status !== 'splitting' && counts?.status !== 'interrupted') {
    logger.info('continuation of a finished split ignored', { dumpId: leg.dumpId, leg: leg.leg });
    return;
  }
  // A continuation already past the cap (one sent before the cap was lowered) goes no further.
  if (leg.leg >= MAX_SPLIT_LEGS) {
    await failAtCap(leg.dumpId, adapters);
    return;
  }
  if (counts.status === 'interrupted') await adapters.store.setStatus(leg.dumpId, 'splitting', new Date());
  await runLeg(leg, context, adapters);
}

async function runLeg(leg: SplitLeg, context: Context, { blobs, store, workQueue, clients, settings }: AwsAdapters): Promise<void> {
  const { dumpId, key, name } = leg;
  const queue = workQueue();
  const batcher = new JobBatcher(dumpId, key, (job) => queue.submit(job), leg.position);
  try {
    const { strategy, paused } = await splitDump({
      blobs,
      key,
      name,
      stagingPrefix: `${STAGING_PREFIX}${dumpId}/`,
      emit: (unit) => batcher.add(unit),
      resume: leg.cursor,
      pauseWhen: () => context.getRemainingTimeInMillis() < SPLIT_TIME_RESERVE_MS,
      spoolBytes: spoolBytes(),
    });
    // A paused split leaves its last job unsent: the next leg fills it (see BatcherPosition.pending).
    if (!paused || leg.leg + 1 >= MAX_SPLIT_LEGS) await batcher.flush();
    await queue.drain();
    metrics.addMetric('UnitsLocated', MetricUnit.Count, batcher.unitCount - (leg.position?.unitCount ?? 0));
    if (paused && leg.leg + 1 >= MAX_SPLIT_LEGS) {
      await failAtCap(dumpId, { store });
      return;
    }
    if (paused) {
      const next: SplitLeg = { dumpId, key, name, leg: leg.leg + 1, cursor: paused, position: batcher.position() };
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: settings.splitQueueUrl, MessageBody: sqsMessageBody(next) }));
      logger.info('split paused; continues in the next invocation', { dumpId, strategy, leg: leg.leg, located: batcher.unitCount });
      return;
    }
    const progress = await store.finishSplitting(dumpId, batcher.unitCount, new Date());
    await settleIfDue(progress, dumpId, clients.sqs, settings.splitQueueUrl);
    logger.info('dump split', { dumpId, strategy, legs: leg.leg + 1, located: batcher.unitCount, jobs: batcher.position().nextJobId });
  } catch (error) {
    // Marked so people see it; a retry of the event or continuation goes on (jobs already sent are recognised).
    await store.setStatus(dumpId, 'interrupted', new Date());
    throw error;
  }
}

/**
 * One leg of settling a dump's documents (shared/fanout/settle-leg.ts): the next leg queued, or the dump completed.
 * A dump no longer processing (complete: a settle delivered again; failed; opened again) is left alone.
 */
async function settleLeg(order: SettleOrder, context: Context, { store, clients, settings }: AwsAdapters): Promise<void> {
  const counts = await store.counts(order.dumpId);
  if (counts?.status !== 'processing') {
    logger.info('settle of a dump not processing ignored', { dumpId: order.dumpId, status: counts?.status, leg: order.leg });
    return;
  }
  if (order.leg >= MAX_SETTLE_LEGS) {
    if (await store.markFailed(order.dumpId, settleCapReason(MAX_SETTLE_LEGS), new Date())) metrics.addMetric(DUMPS_FAILED_METRIC, MetricUnit.Count, 1);
    logger.error('settle stopped at the cap on legs; dump marked failed', { dumpId: order.dumpId, legs: MAX_SETTLE_LEGS });
    return;
  }
  const { next, tally, othersCut } = await runSettleLeg(order, store, { now: new Date(), remainingMs: () => context.getRemainingTimeInMillis() });
  if (othersCut) logger.warn("settle: looking for other dumps' documents stopped at the time limit; they keep their decisions until read", { dumpId: order.dumpId });
  if (next) {
    await queueSettleLeg(clients.sqs, settings.splitQueueUrl, next);
    logger.info('settle leg done; continues in the next invocation', { dumpId: order.dumpId, phase: order.phase, leg: order.leg, decided: tally?.decided, changed: tally?.changed });
    return;
  }
  await store.completeSettled(order.dumpId, new Date());
  logger.info('documents settled; dump complete', { dumpId: order.dumpId, legs: order.leg + 1, others: tally?.others, othersCapped: tally?.othersCapped });
}

/** The split took every leg it may: the dump fails, saying so, and no continuation is sent. */
async function failAtCap(dumpId: string, { store }: Pick<AwsAdapters, 'store'>): Promise<void> {
  if (await store.markFailed(dumpId, legCapReason(MAX_SPLIT_LEGS), new Date())) metrics.addMetric(DUMPS_FAILED_METRIC, MetricUnit.Count, 1);
  logger.error('split stopped at the cap on legs; dump marked failed', { dumpId, legs: MAX_SPLIT_LEGS });
}
