/**
 * The export function: one export job a delivery from the export queue (queued by GET /dumps/{id}/export in
 * AWS), written by runExport as a streamed multipart upload under exports/, its state kept beside it for the
 * API's status route. Stops a minute before its 15 minutes to record why rather than vanish.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { awsAdapters, lazily } from '../shared/adapters/aws/aws-adapters.ts';
import { runExport } from '../shared/adapters/aws/export-runner.ts';
import { parseExportJob } from '../shared/adapters/aws/queued-exports.ts';

const logger = new Logger();
const adapters = lazily(() => awsAdapters());
const processor = new BatchProcessor(EventType.SQS);

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  const { store, exports } = adapters();
  const writeExport = async (record: SQSRecord): Promise<void> => {
    let job;
    try {
      job = parseExportJob(record.body);
    } catch {
      // Not an export job: nothing to write. Dropped with a log line rather than retried.
      logger.error('export queue message is not an export job; dropped', { messageId: record.messageId });
      return;
    }
    const started = Date.now();
    const outcome = await runExport(job, {
      store,
      delivery: exports,
      remainingMs: () => context.getRemainingTimeInMillis(),
      log: (error) => (error instanceof Error ? logger.error('export failed', error) : logger.error('export failed', { error: String(error) })),
    });
    // Ids only: the export's content and the dump's names stay out of the log.
    logger.info('export', { dumpId: job.dumpId, exportId: job.exportId, format: job.format, outcome, ms: Date.now() - started });
  };
  return processPartialResponse(event, writeExport, processor, { context });
}
