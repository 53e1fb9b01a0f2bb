/**
 * Lambda's SQS event source mapping, played against the SQS emulator: receive a batch, hand it to the handler as
 * the SQSEvent Lambda would build, delete what succeeded, and let the rest come back, until the queue is empty.
 *
 * What is real: the queue (fauxqs) counts receives, hides received messages, and moves a message to the queue's
 * dead-letter queue on the receive after its maxReceiveCount-th, exactly as SQS does (RedrivePolicy is
 * implemented by fauxqs; nothing here moves messages by hand). What is ours: polling, batching, deleting, and the
 * partial batch response (ReportBatchItemFailures on), with one shortcut: failed messages are made visible again
 * at once (ChangeMessageVisibility 0) instead of after the queue's visibility timeout.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaContext, sqsEventFrom } from './lambda-events.ts';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void | undefined> | SQSBatchResponse | void | undefined;

export interface DrainQueueOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  /** Messages per invocation, 1 to 10 (one ReceiveMessage call). */
  batchSize?: number;
  /** Receive calls before giving up (a poison message without a dead-letter queue would loop forever). */
  maxRounds?: number;
  /** The invocation context: one object for all invocations, or a factory called per invocation. */
  context?: Context | (() => Context);
  /** Region for the records' awsRegion; defaults to the one in queueArn. */
  region?: string;
  /**
   * How long an empty receive may wait for messages SQS still counts as in flight or delayed (held by another
   * consumer, or sent with a delay) before drainQueue gives up and throws. Default 5 s.
   */
  settleTimeoutMs?: number;
}

export interface DrainQueueResult {
  /** Handler calls. */
  invocations: number;
  /** Records handed to the handler, redeliveries included. */
  deliveries: number;
  /** Records that failed: listed in batchItemFailures, or in a batch whose handler threw or answered invalidly. */
  failures: number;
  /** Message ids deleted after success, in order. */
  succeeded: string[];
  /** What the handler threw, per throwing invocation. */
  errors: unknown[];
  /** Every event passed to the handler, in order. */
  events: SQSEvent[];
}

export async function drainQueue(options: DrainQueueOptions): Promise<DrainQueueResult> {
  const { sqs, queueUrl, queueArn, handler, batchSize = 10, maxRounds = 100, settleTimeoutMs = 5_000 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) throw new Error(`batchSize must be 1..10, not ${batchSize}`);
  const result: DrainQueueResult = { invocations: 0, deliveries: 0, failures: 0, succeeded: [], errors: [], events: [] };
  const contextFor = (): Context =>
    typeof options.context === 'function' ? options.context() : (options.context ?? lambdaContext({ region: options.region }));

  let settleDeadline: number | undefined;
  for (let round = 0; round < maxRounds; round++) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: 0,
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );

    if (messages.length === 0) {
      // An empty receive is not proof of an empty queue: messages may be in flight (received elsewhere) or delayed.
      const pending = await pendingCounts(sqs, queueUrl);
      if (pending.visible + pending.notVisible + pending.delayed === 0) return result;
      settleDeadline ??= Date.now() + settleTimeoutMs;
      if (Date.now() > settleDeadline) {
        throw new Error(
          `drainQueue: ${queueUrl} is not empty but nothing can be received (visible ${pending.visible}, in flight ${pending.notVisible}, delayed ${pending.delayed})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    settleDeadline = undefined;

    const event = sqsEventFrom(messages, queueArn, options.region);
    result.events.push(event);
    result.invocations++;
    result.deliveries += messages.length;

    let failedIds: Set<string>;
    try {
      const response = await handler(event, contextFor());
      failedIds = failedMessageIds(response, messages);
    } catch (error) {
      result.errors.push(error);
      failedIds = new Set(messages.map((message) => message.MessageId ?? ''));
    }

    const succeeded = messages.filter((message) => !failedIds.has(message.MessageId ?? ''));
    const failed = messages.filter((message) => failedIds.has(message.MessageId ?? ''));
    result.failures += failed.length;
    if (succeeded.length > 0) {
      const { Failed = [] } = await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: succeeded.map((message, index) => entry(message, index)) }),
      );
      if (Failed.length > 0) throw new Error(`drainQueue: DeleteMessageBatch failed: ${JSON.stringify(Failed)}`);
      result.succeeded.push(...succeeded.map((message) => message.MessageId ?? ''));
    }
    if (failed.length > 0) {
      const { Failed = [] } = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: failed.map((message, index) => ({ ...entry(message, index), VisibilityTimeout: 0 })),
        }),
      );
      if (Failed.length > 0) throw new Error(`drainQueue: ChangeMessageVisibilityBatch failed: ${JSON.stringify(Failed)}`);
    }
  }
  throw new Error(`drainQueue: ${queueUrl} still had messages after ${maxRounds} receives`);
}

/**
 * Lambda's reading of a partial batch response: nothing (or an empty/absent batchItemFailures) is complete
 * success; each listed itemIdentifier fails its message; an identifier that is empty or not in the batch makes
 * Lambda treat the whole batch as failed, and so does a response that is not an object.
 */
function failedMessageIds(response: SQSBatchResponse | void | undefined, messages: readonly Message[]): Set<string> {
  const all = new Set(messages.map((message) => message.MessageId ?? ''));
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object') return all;
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

function entry(message: Message, index: number): { Id: string; ReceiptHandle: string } {
  if (message.ReceiptHandle === undefined) throw new Error(`drainQueue: message ${message.MessageId} has no receipt handle`);
  return { Id: `m${index}`, ReceiptHandle: message.ReceiptHandle };
}

async function pendingCounts(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; notVisible: number; delayed: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    notVisible: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
