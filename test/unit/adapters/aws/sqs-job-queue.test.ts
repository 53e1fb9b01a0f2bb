import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsJobQueue } from '../../../../shared/adapters/aws/sqs-job-queue.ts';
import { isSqsText, sqsMessageBody } from '../../../../shared/adapters/aws/sqs-message-body.ts';
import type { WorkJob } from '../../../../shared/fanout/work-units.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators } from '../../../helpers/aws-emulators.ts';

let emulators: AwsEmulators;
let queueUrl: string;

beforeAll(async () => {
  emulators = await startAwsEmulators();
  queueUrl = (await createLeakproofResources(emulators)).workQueueUrl;
});
afterAll(() => emulators.stop());

function job(jobId: number, padding = 0): WorkJob {
  return { dumpId: 'd1', key: 'uploads/leak.zip', jobId, units: [{ kind: 'mbox-range', path: 'x'.repeat(padding) || 'leak.mbox', offset: jobId * 100, length: 100 }] };
}

async function receiveAll(): Promise<WorkJob[]> {
  const jobs: WorkJob[] = [];
  for (;;) {
    const { Messages: messages = [] } = await emulators.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (messages.length === 0) return jobs.sort((a, b) => a.jobId - b.jobId);
    for (const message of messages) {
      jobs.push(JSON.parse(message.Body!) as WorkJob);
      await emulators.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

describe('SqsJobQueue on the SQS emulator', () => {
  it('sends every job once, in batches of at most 10 messages and under the 1 MiB batch limit', async () => {
    const queue = new SqsJobQueue(emulators.sqs, queueUrl);
    const sent = [...Array.from({ length: 23 }, (_, i) => job(i)), job(23, 400_000), job(24, 400_000), job(25, 400_000)];
    for (const each of sent) await queue.submit(each);
    await queue.close();
    expect(queue.sent).toBe(sent.length);
    expect(await receiveAll()).toEqual(sent);
  });

  it('sends locators holding characters SQS refuses (NUL, lone surrogates, U+FFFE, U+FFFF) escaped, and they read back the same', async () => {
    const queue = new SqsJobQueue(emulators.sqs, queueUrl);
    const hostile = { ...job(1), units: [{ kind: 'zip-member' as const, path: `a\u0000b\u0001\ud800c\udfff\ufffe\uffffé𝔘.eml`, offset: 0, length: 10 }] } as unknown as WorkJob;
    const body = sqsMessageBody(hostile);
    expect(isSqsText(JSON.stringify(hostile))).toBe(false);
    expect(isSqsText(body)).toBe(true);
    expect(JSON.parse(body)).toEqual(hostile);
    await queue.submit(hostile);
    await queue.close();
    expect(await receiveAll()).toEqual([hostile]);
  });
});
