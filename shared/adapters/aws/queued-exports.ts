import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { EXPORT_FORMATS, type ExportFormat } from '../../pipeline/export-lines.ts';
import type { ExportJob, ExportJobs, ExportState } from '../../ports/export-delivery.ts';
import type { S3ExportDelivery } from './s3-export-delivery.ts';

/** An export id: 128 random bits in hex. Anything else asked for is no export, without a read. */
export const EXPORT_ID = /^[0-9a-f]{32}$/;
const DUMP_ID = /^[0-9a-f]{64}$/;

/** The job's message on the export queue: which export to write. */
const ExportJobSchema = z.strictObject({
  dumpId: z.string().regex(DUMP_ID),
  exportId: z.string().regex(EXPORT_ID),
  format: z.enum(EXPORT_FORMATS),
});

export function parseExportJob(body: string): ExportJob {
  return ExportJobSchema.parse(JSON.parse(body));
}

/**
 * Exports in AWS: the API records an export as queued under exports/ (S3ExportDelivery) and sends its job to the
 * export queue, whose function (functions/export.ts, runExport) writes the file; the API then reads its state.
 */
export class QueuedExports implements ExportJobs {
  readonly #delivery: S3ExportDelivery;
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;

  constructor(delivery: S3ExportDelivery, sqs: SQSClient, queueUrl: string) {
    this.#delivery = delivery;
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
  }

  async start(dumpId: string, format: ExportFormat): Promise<ExportJob> {
    const job: ExportJob = { dumpId, exportId: randomBytes(16).toString('hex'), format };
    // The state first: the job may run before SendMessage returns, and must find its export queued.
    await this.#delivery.record(job, { status: 'queued', format, requestedAt: this.#delivery.now().toISOString() });
    await this.#sqs.send(new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: JSON.stringify(job) }));
    return job;
  }

  async state(dumpId: string, exportId: string): Promise<ExportState | null> {
    if (!EXPORT_ID.test(exportId)) return null;
    return this.#delivery.state(dumpId, exportId);
  }
}
