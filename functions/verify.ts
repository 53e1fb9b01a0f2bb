/**
 * The worker Lambda: each SQS message is a job of neighbouring units of one dump; its messages are read with
 * one ranged GET, verified by the core, and stored with the job's counts. A job that fails is reported alone
 * (ReportBatchItemFailures) and delivered again; storing is idempotent per (dump, locator) and counted once
 * per job. A re-verification's job (job.reverify) re-verifies the stored messages it names and replaces the
 * verdicts that changed, each batch of replacements counted once.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { awsAdapters, lazily } from '../shared/adapters/aws/aws-adapters.ts';
import { settleIfDue } from '../shared/adapters/aws/settle-queue.ts';
import { jobBatchId, parseJob } from '../shared/fanout/parse-job.ts';
import { verifyJob } from '../shared/fanout/verify-job.ts';
import { reverifyJob } from '../shared/reverify/reverify-job.ts';
import { createVerifier } from '../shared/verify/verify-message.ts';

const logger = new Logger();
const metrics = new Metrics();
const adapters = lazily(() => awsAdapters());
const processor = new BatchProcessor(EventType.SQS);

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { blobs, store, resolver, clients, settings } = adapters();
  const verifier = createVerifier(resolver());
  const at = new Date();
  const verifyRecord = async (record: SQSRecord): Promise<void> => {
    const job = parseJob(record.body);
    try {
      if (job.reverify) {
        const tally = await reverifyJob(job, { blobs, store, verifier, now: at });
        metrics.addMetric('MessagesReverified', MetricUnit.Count, tally.checked);
        metrics.addMetric('VerdictsChanged', MetricUnit.Count, tally.changed);
        metrics.addMetric('ProvenanceChanged', MetricUnit.Count, tally.provenanceChanged);
        logger.info('re-verification job done', { dumpId: job.dumpId, jobId: job.jobId, runId: job.reverify.runId, checked: tally.checked, changed: tally.changed, unreadable: tally.unreadable, documentsSettled: tally.documentsSettled, provenanceChanged: tally.provenanceChanged });
        if (tally.settleCapped > 0) logger.warn('re-verification: more documents to settle again than a job settles; the rest keep their decisions until read', { dumpId: job.dumpId, jobId: job.jobId });
        return;
      }
      const { records } = await verifyJob(job, { blobs, verifier, at });
      // Units that turned out to be containers add their entries beyond the one each was located as.
      const progress = await store.putBatch(job.dumpId, records, { id: jobBatchId(job), extraLocated: records.length - job.units.length });
      // The last job in: its documents' provenance is settled before the dump completes.
      if (await settleIfDue(progress, job.dumpId, clients.sqs, settings.splitQueueUrl)) logger.info('dump stored whole; settling its documents', { dumpId: job.dumpId });
      metrics.addMetric('EntriesStored', MetricUnit.Count, records.length);
      logger.info('job verified', { dumpId: job.dumpId, jobId: job.jobId, units: job.units.length, entries: records.length });
    } catch (error) {
      // Locators and contents stay out of info-level logs; the error names the dump and job only.
      logger.error('job failed', { dumpId: job.dumpId, jobId: job.jobId, deliveries: record.attributes.ApproximateReceiveCount, error: (error as Error).message });
      metrics.addMetric('JobsFailed', MetricUnit.Count, 1);
      throw error;
    }
  };
  try {
    return await processPartialResponse(event, verifyRecord, processor, { context });
  } finally {
    metrics.publishStoredMetrics();
  }
}
