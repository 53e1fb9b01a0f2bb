import { archiveFirstResolver, memoized } from '../../keys/archive-first-resolver.ts';
import { systemTxtLookup } from '../../keys/dns-key-lookup.ts';
import type { KeyResolver } from '../../ports/key-resolver.ts';
import type { Reverifier } from '../../ports/reverifier.ts';
import { awsClients, type AwsClients } from './clients.ts';
import { DynamoKeyArchive } from './dynamo-key-archive.ts';
import { DynamoVerdictStore } from './dynamo-verdict-store.ts';
import { queueReverifier } from './queue-reverifier.ts';
import { COUNTING_LEASE } from './dynamo-counters.ts';
import { S3BlobStore } from './s3-blob-store.ts';
import { S3ExportDelivery } from './s3-export-delivery.ts';
import { settingsFromEnvironment, type AwsSettings } from './settings.ts';
import { SqsJobQueue } from './sqs-job-queue.ts';

/** The AWS adapters a handler needs, wired from its environment once per Lambda container. */
export interface AwsAdapters {
  settings: AwsSettings;
  clients: AwsClients;
  blobs: S3BlobStore;
  store: DynamoVerdictStore;
  archive: DynamoKeyArchive;
  /** A fresh queue writer: each split batches its own jobs. */
  workQueue(): SqsJobQueue;
  /** A resolver for one invocation: answers are remembered within it, so keys imported since are seen next time. */
  resolver(): KeyResolver;
  /** Re-verification on demand (the API): the affected messages are queued to the workers. */
  reverifier: Reverifier;
  /** Exports for the API: objects under exports/, downloaded through presigned URLs. */
  exports: S3ExportDelivery;
}

export function awsAdapters(env: NodeJS.ProcessEnv = process.env): AwsAdapters {
  const settings = settingsFromEnvironment(env);
  const clients = awsClients(env);
  const archive = new DynamoKeyArchive(clients.dynamodb, settings.keysTable);
  const dns = settings.offline ? null : systemTxtLookup();
  const blobs = new S3BlobStore(clients.s3, settings.bucket);
  const countingLease = settings.countingLeaseMs === null ? undefined : { ms: settings.countingLeaseMs, waitMs: Math.min(COUNTING_LEASE.waitMs, settings.countingLeaseMs) };
  const store = new DynamoVerdictStore(clients.dynamodb, { dumps: settings.dumpsTable, verdicts: settings.verdictsTable, postings: settings.postingsTable }, { blobs, countingLease });
  const workQueue = () => new SqsJobQueue(clients.sqs, settings.workQueueUrl);
  return {
    settings,
    clients,
    blobs,
    store,
    archive,
    workQueue,
    resolver: () => memoized(archiveFirstResolver({ archive, dns, now: () => new Date() })),
    reverifier: queueReverifier({ store, archive, blobs, workQueue }),
    exports: new S3ExportDelivery(clients.s3, settings.bucket),
  };
}

/** Wires on first use, so importing a handler module has no side effects and a test can set the environment first. */
export function lazily<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}
