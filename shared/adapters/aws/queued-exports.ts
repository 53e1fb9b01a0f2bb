import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { EXPORT_FORMATS, type ExportFormat } from '../../pipeline/export-lines.ts';
import { hasFilters, type ExportFilters } from '../../pipeline/filtered-export.ts';
import type { ExportJob, ExportJobs, ExportState } from '../../ports/export-delivery.ts';
import { REASONS, VERDICTS, type Reason } from '../../verdict/contract.ts';
import type { S3ExportDelivery } from './s3-export-delivery.ts';

/** An export id: 128 random bits in hex. Anything else asked for is no export, without a read. */
export const EXPORT_ID = /^[0-9a-f]{32}$/;
const DUMP_ID = /^[0-9a-f]{64}$/;

/** The job's message on the export queue: which export to write. */
const ExportJobSchema = z.strictObject({
  dumpId: z.string().regex(DUMP_ID),
  exportId: z.string().regex(EXPORT_ID),
  format: z.enum(EXPORT_FORMATS),
  // What the API validated (ExportFilterSchema), carried to the job as it was given.
  filters: z
    .strictObject({
      verdict: z.enum(VERDICTS).optional(),
      reason: z.enum(Object.values(REASONS).flat() as [Reason, ...Reason[]]).optional(),
      domain: z.string().max(253).optional(),
      from: z.string().max(320).optional(),
      after: z.string().max(40).optional(),
      before: z.string().max(40).optional(),
    })
    .optional(),
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

  async start(dumpId: string, format: ExportFormat, filters: ExportFilters = {}): Promise<ExportJob> {
    const job: ExportJob = { dumpId, exportId: randomBytes(16).toString('hex'), format, ...(hasFilters(filters) ? { filters } : {}) };
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
