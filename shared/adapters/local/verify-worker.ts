/**
 * A verification worker thread: receives messages from the WorkerPool, verifies them with keys from the
 * archive (then DNS unless offline), and posts back the entry records. Each thread has its own connection to
 * the store, which WAL mode lets read while the main thread writes verdicts.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { DeflatedMember, MessageEntry } from '../../dump/entry.ts';
import { inflateMember } from '../../dump/zip-member.ts';
import { otherReadings } from '../../dump/mbox-quoting.ts';
import { archiveFirstResolver, memoized } from '../../keys/archive-first-resolver.ts';
import { systemTxtLookup } from '../../keys/dns-key-lookup.ts';
import { verifyEntry, type VerifiedEntry } from '../../pipeline/verify-entry.ts';
import { createVerifier, type MessageVerifier } from '../../verify/verify-message.ts';
import { openLocalDatabase } from './sqlite-database.ts';
import { SqliteKeyArchive } from './sqlite-key-archive.ts';
import { ownBytes, release, transferable } from './thread-bytes.ts';

export interface VerifyWorkerConfig {
  home: string;
  offline: boolean;
  /** The verification time, ISO 8601: one clock for the whole run. */
  at: string;
}

/** One message as the pool sends it (in batches of `{ id, job }`). */
export interface VerifyJob {
  locator: MessageEntry['locator'];
  /** The message, or (a zip member) its compressed form. */
  bytes?: Uint8Array;
  deflated?: Omit<DeflatedMember, 'data'> & { data: Uint8Array };
  asStored?: Uint8Array | undefined;
  /** An Outlook item's origin (MessageEntry.outlook): its transport headers as Outlook stored them. */
  outlook?: { transportHeaders: Uint8Array | null } | undefined;
}

export interface WorkerReply {
  id: number;
  record?: VerifiedEntry;
  error?: string;
}

if (!isMainThread && parentPort) {
  const config = workerData as VerifyWorkerConfig;
  // The store is opened when the first message arrives, not when the thread starts: threads start while the
  // command is still creating or migrating the store and importing keys (see startVerifyThreads).
  let verifier: MessageVerifier | null = null;
  const verifierOnce = (): MessageVerifier => {
    if (verifier) return verifier;
    const archive = new SqliteKeyArchive(openLocalDatabase(config.home));
    return (verifier = createVerifier(memoized(archiveFirstResolver({ archive, dns: config.offline ? null : systemTxtLookup(), now: () => new Date() }))));
  };
  const at = new Date(config.at);
  const port = parentPort;
  const verify = async ({ id, job }: { id: number; job: VerifyJob }): Promise<WorkerReply> => {
    let bytes: Buffer | undefined;
    try {
      try {
        // Structured cloning turns Buffers into plain Uint8Arrays.
        bytes = job.deflated ? inflateMember({ ...job.deflated, data: asBuffer(job.deflated.data) }) : asBuffer(job.bytes!);
      } catch (error) {
        return { id, record: { kind: 'error', locator: job.locator, sha256: null, detail: (error as Error).message } };
      }
      const message: MessageEntry = { kind: 'message', locator: job.locator, bytes };
      if (job.asStored) message.alternateReadings = otherReadings(asBuffer(job.asStored));
      if (job.outlook) message.outlook = { transportHeaders: job.outlook.transportHeaders && asBuffer(job.outlook.transportHeaders) };
      return { id, record: await verifyEntry(message, verifierOnce(), at) };
    } catch (error) {
      return { id, error: (error as Error).message };
    } finally {
      // The message is done with (the record holds copies of what it keeps): its memory goes back now.
      for (const done of [bytes, job.deflated?.data, job.bytes, job.asStored]) if (done) release(done);
    }
  };
  // A batch in, its replies out in one message: see BATCH_MESSAGES in worker-pool.ts.
  port.on('message', async (batch: { id: number; job: VerifyJob }[]) => {
    const replies: WorkerReply[] = [];
    const transfer: ArrayBuffer[] = [];
    for (const item of batch) {
      const reply = await verify(item);
      if (reply.record?.kind === 'message') {
        // A small Buffer is a view into Node's 8 KB pool, which a clone would copy whole: ~9 KB per record
        // waiting on the reading thread instead of a few hundred bytes.
        const fields = ownBytes(reply.record.displayFields);
        reply.record.displayFields = fields as Buffer;
        transfer.push(...transferable(fields));
        // Files whose metadata the reading thread reads move there: a decoded file's buffer holds that file
        // alone, unless it is one of Node's pooled slabs (then it is copied out first).
        for (const file of reply.record.toDescribe) {
          if (file.bytes.buffer.byteLength <= Buffer.poolSize) file.bytes = ownBytes(file.bytes) as Buffer;
          transfer.push(...transferable(file.bytes));
        }
      }
      replies.push(reply);
    }
    port.postMessage(replies, [...new Set(transfer)]);
  });
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
