import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { messageSize, type MessageEntry } from '../../dump/entry.ts';
import { AS_STORED_READING } from '../../dump/mbox-quoting.ts';
import type { VerifiedEntry } from '../../pipeline/verify-entry.ts';
import type { WorkQueue } from '../../ports/work-queue.ts';
import { ownBytes, transferable } from './thread-bytes.ts';
import type { VerifyJob, VerifyWorkerConfig, WorkerReply } from './verify-worker.ts';

export interface VerifyThreadOptions extends VerifyWorkerConfig {
  /** Default: one per core. */
  workers?: number;
}

export type WorkerPoolOptions = { onResult: (record: VerifiedEntry) => void } & ({ threads: VerifyThreads } | VerifyThreadOptions);

/** Verifying threads started ahead of their pool; `close` ends them if no pool takes them. */
export interface VerifyThreads {
  workers: Worker[];
  close(): Promise<void>;
}

/**
 * Starts the verifying threads. A thread takes ~0.1–0.2 s to load its code, so a command starts them first, and
 * they load while it opens the store and reads the dump's first entries; a thread opens the store itself only
 * when its first message arrives.
 */
export function startVerifyThreads(options: VerifyThreadOptions): VerifyThreads {
  const { workers: count = availableParallelism(), ...config } = options;
  const workers = Array.from(
    { length: Math.max(1, count) },
    // A small young generation: each message's buffers are garbage after one job, and collecting them sooner
    // kept peak memory about 30 MB lower at no measurable cost in throughput.
    () => new Worker(WORKER_MODULE, { workerData: config, resourceLimits: { maxYoungGenerationSizeMb: 4 } }),
  );
  return { workers, close: async () => void (await Promise.all(workers.map((worker) => worker.terminate()))) };
}

/** Bounds what waits in memory between the reader and the workers: memory stays flat whatever the dump's size. */
const MAX_IN_FLIGHT_PER_WORKER = 16;
const MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;
/**
 * Messages go to a worker in batches: a postMessage costs ~0.1 ms whatever it carries, as much as verifying
 * a small message, so one per message kept the splitting thread busy with messaging.
 */
const BATCH_MESSAGES = 16;
const BATCH_BYTES = 1024 * 1024;

/** The worker's module beside this one: verify-worker.ts in the sources, verify-worker.js in the bundle (dist/). */
const WORKER_MODULE = new URL(`./verify-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

interface Slot {
  worker: Worker;
  inFlight: number;
  batch: { id: number; job: VerifyJob }[];
  batchBytes: number;
  transfer: ArrayBuffer[];
}

/**
 * The local work queue: one worker thread per core verifies messages; the reader waits when the workers fall
 * behind. Each worker keeps its own key-archive connection and key cache.
 */
export class WorkerPool implements WorkQueue<MessageEntry> {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, { bytes: number; locator: MessageEntry['locator'] }>();
  private readonly onResult: (record: VerifiedEntry) => void;
  private nextId = 0;
  private inFlightBytes = 0;
  private waiters: (() => void)[] = [];
  private failure: Error | null = null;
  private flushScheduled = false;

  private readonly threads: VerifyThreads;

  constructor(options: WorkerPoolOptions) {
    const { onResult, ...threads } = options;
    this.onResult = onResult;
    this.threads = 'threads' in threads ? threads.threads : startVerifyThreads(threads);
    for (const worker of this.threads.workers) {
      const slot: Slot = { worker, inFlight: 0, batch: [], batchBytes: 0, transfer: [] };
      worker.on('message', (replies: WorkerReply[]) => this.settle(slot, replies));
      worker.on('error', (error) => this.fail(error));
      this.slots.push(slot);
    }
  }

  async submit(entry: MessageEntry): Promise<void> {
    while (!this.failure && this.full()) {
      this.flushAll(); // the reader is about to wait: everything batched must be on its way
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
    const slot = this.slots.reduce((least, candidate) => (candidate.inFlight < least.inFlight ? candidate : least));
    const id = this.nextId++;
    const size = messageSize(entry);
    this.pending.set(id, { bytes: size, locator: entry.locator });
    this.inFlightBytes += size;
    slot.inFlight++;
    const job = toJob(entry);
    const shipped = job.deflated?.data ?? job.bytes!;
    slot.batch.push({ id, job });
    slot.batchBytes += shipped.byteLength;
    slot.transfer.push(...transferable(shipped));
    if (job.asStored) slot.transfer.push(...transferable(job.asStored));
    if (slot.batch.length >= BATCH_MESSAGES || slot.batchBytes >= BATCH_BYTES) this.flush(slot);
    else this.scheduleFlush();
  }

  async drain(): Promise<void> {
    this.flushAll();
    while (!this.failure && this.pending.size > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    await this.threads.close();
  }

  private full(): boolean {
    const count = this.pending.size;
    // One message larger than the byte budget still gets through when nothing else is waiting.
    return count >= this.slots.length * MAX_IN_FLIGHT_PER_WORKER || (count > 0 && this.inFlightBytes >= MAX_IN_FLIGHT_BYTES);
  }

  private flush(slot: Slot): void {
    if (slot.batch.length === 0) return;
    slot.worker.postMessage(slot.batch, slot.transfer);
    slot.batch = [];
    slot.batchBytes = 0;
    slot.transfer = [];
  }

  private flushAll(): void {
    for (const slot of this.slots) this.flush(slot);
  }

  /** A part-filled batch leaves once the reader yields to the event loop (it is waiting on I/O). */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushAll();
    });
  }

  private settle(slot: Slot, replies: WorkerReply[]): void {
    for (const reply of replies) {
      const job = this.pending.get(reply.id);
      if (!job) continue;
      this.pending.delete(reply.id);
      this.inFlightBytes -= job.bytes;
      slot.inFlight--;
      // A message that crashes the verifier is an error entry with its reason; the rest of the dump goes on.
      this.onResult(reply.record ?? { kind: 'error', locator: job.locator, sha256: null, detail: `internal error: ${reply.error}` });
    }
    this.wake();
  }

  private fail(error: Error): void {
    this.failure = new Error(`verification worker failed: ${error.message}`);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * An mbox message travels as its primary reading plus its bytes as stored; the worker rebuilds the other
 * readings from those. Cloning the readings themselves would build every one of them (up to 63 copies).
 */
function toJob(entry: MessageEntry): VerifyJob {
  // An Outlook item must reach the verifier as one: without its origin, the re-built copy would be judged as
  // the message as sent (see MessageEntry.outlook).
  const outlook = entry.outlook && { transportHeaders: entry.outlook.transportHeaders && ownBytes(entry.outlook.transportHeaders) };
  // A deflated member travels compressed: the worker inflates it (see MessageEntry.deflated).
  if (entry.deflated) return { locator: entry.locator, deflated: { ...entry.deflated, data: ownBytes(entry.deflated.data) }, outlook };
  const asStored = entry.alternateReadings?.find((reading) => reading.name === AS_STORED_READING)?.bytes;
  return { locator: entry.locator, bytes: ownBytes(entry.bytes), asStored: asStored && ownBytes(asStored), outlook };
}
