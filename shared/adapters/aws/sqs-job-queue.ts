import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WorkJob } from '../../fanout/work-units.ts';
import type { WorkQueue } from '../../ports/work-queue.ts';
import { sqsMessageBody } from './sqs-message-body.ts';

/** SQS takes up to 10 messages per SendMessageBatch; the queue's MaximumMessageSize (1 MiB) bounds their total. */
const MAX_BATCH_MESSAGES = 10;
const MAX_BATCH_BYTES = 900 * 1024;
const MAX_SEND_ATTEMPTS = 5;

/**
 * The work queue on SQS: jobs go out in SendMessageBatch calls of up to 10. `drain` means "all sent": the
 * workers are Lambdas the queue triggers, and the dump's counts tell when they are done.
 */
export class SqsJobQueue implements WorkQueue<WorkJob> {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  #pending: { id: string; body: string }[] = [];
  #pendingBytes = 0;
  /** Jobs sent so far. */
  sent = 0;

  constructor(sqs: SQSClient, queueUrl: string) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
  }

  async submit(job: WorkJob): Promise<void> {
    const body = sqsMessageBody(job);
    const bytes = Buffer.byteLength(body);
    if (this.#pending.length >= MAX_BATCH_MESSAGES || this.#pendingBytes + bytes > MAX_BATCH_BYTES) await this.drain();
    this.#pending.push({ id: `job-${job.jobId}`, body });
    this.#pendingBytes += bytes;
  }

  async drain(): Promise<void> {
    let batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (let attempt = 1; batch.length > 0; attempt++) {
      const result = await this.#sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: batch.map(({ id, body }) => ({ Id: id, MessageBody: body })) }),
      );
      this.sent += result.Successful?.length ?? 0;
      const failed = new Set((result.Failed ?? []).map((failure) => failure.Id));
      const retry = batch.filter(({ id }) => failed.has(id));
      if (retry.length > 0 && attempt >= MAX_SEND_ATTEMPTS) {
        const first = result.Failed?.[0];
        throw new Error(`SQS refused ${retry.length} jobs after ${attempt} attempts (${first?.Code}: ${first?.Message})`);
      }
      batch = retry;
    }
  }

  async close(): Promise<void> {
    await this.drain();
  }
}
