/**
 * Queues the settling of a dump's documents (shared/fanout/settle-leg.ts) on the split queue, whose function (the
 * splitter's, 15 minutes) runs it. Sent by whoever finds the dump with every entry in and documents among them
 * (DumpProgress 'settle'): a worker, the dead-letter recorder, the splitter's last leg, and a repeated split event.
 * At least once: a writer that dies before sending is delivered again and finds the same; a second settle of one
 * dump changes nothing (see settle-leg.ts).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { firstSettleLeg, type SettleMessage, type SettleOrder } from '../../fanout/settle-leg.ts';
import type { DumpProgress } from './dynamo-verdict-store.ts';
import { sqsMessageBody } from './sqs-message-body.ts';

export async function queueSettleLeg(sqs: SQSClient, splitQueueUrl: string, order: SettleOrder): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: splitQueueUrl, MessageBody: sqsMessageBody({ settle: order } satisfies SettleMessage) }));
}

/** Queues the first settle leg when a write left the dump waiting for it; true when it did. */
export async function settleIfDue(progress: DumpProgress, dumpId: string, sqs: SQSClient, splitQueueUrl: string): Promise<boolean> {
  if (progress !== 'settle') return false;
  await queueSettleLeg(sqs, splitQueueUrl, firstSettleLeg(dumpId).settle);
  return true;
}
