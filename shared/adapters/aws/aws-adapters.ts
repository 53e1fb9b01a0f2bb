import { archiveFirstResolver, memoized } from '../../keys/archive-first-resolver.ts';
import { systemTxtLookup } from '../../keys/dns-key-lookup.ts';
import type { KeyResolver } from '../../ports/key-resolver.ts';
import { awsClients, type AwsClients } from './clients.ts';
import { DynamoKeyArchive } from './dynamo-key-archive.ts';
import { DynamoVerdictStore } from './dynamo-verdict-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';
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
}

export function awsAdapters(env: NodeJS.ProcessEnv = process.env): AwsAdapters {
  const settings = settingsFromEnvironment(env);
  const clients = awsClients(env);
  const archive = new DynamoKeyArchive(clients.dynamodb, settings.keysTable);
  const dns = settings.offline ? null : systemTxtLookup();
  return {
    settings,
    clients,
    blobs: new S3BlobStore(clients.s3, settings.bucket),
    store: new DynamoVerdictStore(clients.dynamodb, { dumps: settings.dumpsTable, verdicts: settings.verdictsTable }),
    archive,
    workQueue: () => new SqsJobQueue(clients.sqs, settings.workQueueUrl),
    resolver: () => memoized(archiveFirstResolver({ archive, dns, now: () => new Date() })),
  };
}

/** Wires on first use, so importing a handler module has no side effects and a test can set the environment first. */
export function lazily<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}
