/**
 * A verification worker thread: receives messages from the WorkerPool, verifies them with keys from the
 * archive (then DNS unless offline), and posts back the entry records. Each thread has its own connection to
 * the store, which WAL mode lets read while the main thread writes verdicts.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { MessageEntry } from '../../dump/entry.ts';
import { mboxReadings } from '../../dump/mbox-quoting.ts';
import { archiveFirstResolver, memoized } from '../../keys/archive-first-resolver.ts';
import { systemTxtLookup } from '../../keys/dns-key-lookup.ts';
import type { EntryRecord } from '../../ports/verdict-store.ts';
import { verifyEntry } from '../../pipeline/verify-entry.ts';
import { createVerifier } from '../../verify/verify-message.ts';
import { openLocalDatabase } from './sqlite-database.ts';
import { SqliteKeyArchive } from './sqlite-key-archive.ts';

export interface VerifyWorkerConfig {
  home: string;
  offline: boolean;
  /** The verification time, ISO 8601: one clock for the whole run. */
  at: string;
}

export interface WorkerJob {
  id: number;
  job: { locator: MessageEntry['locator']; bytes: Uint8Array; asStored?: Uint8Array | undefined };
}

export interface WorkerReply {
  id: number;
  record?: EntryRecord;
  error?: string;
}

if (!isMainThread && parentPort) {
  const config = workerData as VerifyWorkerConfig;
  const archive = new SqliteKeyArchive(openLocalDatabase(config.home));
  const resolver = memoized(archiveFirstResolver({ archive, dns: config.offline ? null : systemTxtLookup(), now: () => new Date() }));
  const verifier = createVerifier(resolver);
  const at = new Date(config.at);
  const port = parentPort;
  port.on('message', async ({ id, job }: WorkerJob) => {
    // Structured cloning turns Buffers into plain Uint8Arrays.
    const message: MessageEntry = { kind: 'message', locator: job.locator, bytes: asBuffer(job.bytes) };
    if (job.asStored) message.alternateReadings = mboxReadings(asBuffer(job.asStored)).alternateReadings;
    try {
      port.postMessage({ id, record: await verifyEntry(message, verifier, at) } satisfies WorkerReply);
    } catch (error) {
      port.postMessage({ id, error: (error as Error).message } satisfies WorkerReply);
    }
  });
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
