/**
 * The splitter Lambda: an upload under uploads/ becomes a dump record and a stream of jobs on the work queue.
 * The dump is read where it lies (see shared/fanout/split-dump.ts); the dump's `located` count is set once
 * the last job is sent, and the workers' counts complete it.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { awsAdapters, lazily, type AwsAdapters } from '../shared/adapters/aws/aws-adapters.ts';
import { STAGING_PREFIX, UPLOADS_PREFIX } from '../shared/adapters/aws/settings.ts';
import { JobBatcher } from '../shared/fanout/job-batcher.ts';
import { splitDump } from '../shared/fanout/split-dump.ts';

const logger = new Logger();
const adapters = lazily(() => awsAdapters());

export async function handler(event: S3Event): Promise<void> {
  for (const record of event.Records) await splitUpload(record, adapters());
}

async function splitUpload(record: S3EventRecord, { blobs, store, workQueue, settings }: AwsAdapters): Promise<void> {
  const bucket = record.s3.bucket.name;
  // S3 event keys are URL-encoded, spaces as '+'.
  const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
  if (bucket !== settings.bucket || !key.startsWith(UPLOADS_PREFIX)) {
    logger.warn('ignored an object outside the uploads prefix', { bucket });
    return;
  }
  const { size, etag } = await blobs.head(key);
  // The same object version is the same dump: S3 may deliver an event twice.
  const dumpId = createHash('sha256').update(`s3://${bucket}/${key}\n${etag}`).digest('hex');
  const dump = await store.openDump({ id: dumpId, name: posix.basename(key), source: `s3://${bucket}/${key}`, bytes: size }, new Date());
  if (dump.status !== 'splitting') {
    logger.info('dump already split; event ignored', { dumpId, status: dump.status });
    return;
  }
  const queue = workQueue();
  const batcher = new JobBatcher(dumpId, key, (job) => queue.submit(job));
  try {
    const { strategy } = await splitDump({ blobs, key, name: dump.name, stagingPrefix: `${STAGING_PREFIX}${dumpId}/`, emit: (unit) => batcher.add(unit) });
    await batcher.flush();
    await queue.drain();
    await store.finishSplitting(dumpId, batcher.unitCount, new Date());
    logger.info('dump split', { dumpId, strategy, bytes: size, located: batcher.unitCount, jobs: queue.sent });
  } catch (error) {
    // Marked so a retry of the event starts the split over; jobs already sent are recognised by their ids.
    await store.setStatus(dumpId, 'interrupted', new Date());
    throw error;
  }
}
