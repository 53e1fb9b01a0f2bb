import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { MessageEntry } from '../../dump/entry.ts';
import type { EntryRecord } from '../../ports/verdict-store.ts';
import type { WorkQueue } from '../../ports/work-queue.ts';
import { AS_STORED_READING } from '../../dump/mbox-quoting.ts';
import type { VerifyWorkerConfig, WorkerJob, WorkerReply } from './verify-worker.ts';

export interface WorkerPoolOptions extends VerifyWorkerConfig {
  workers?: number;
  onResult: (record: EntryRecord) => void;
}

/** Bounds what waits in memory between the reader and the workers: memory stays flat whatever the dump's size. */
const MAX_IN_FLIGHT_PER_WORKER = 8;
const MAX_IN_FLIGHT_BYTES = 48 * 1024 * 1024;

/**
 * The local work queue: one worker thread per core verifies messages; the reader waits when the workers fall
 * behind. Each worker keeps its own key-archive connection and key cache.
 */
export class WorkerPool implements WorkQueue<MessageEntry> {
  private readonly workers: { worker: Worker; inFlight: number }[] = [];
  private readonly pending = new Map<number, { bytes: number; locator: MessageEntry['locator'] }>();
  private readonly onResult: (record: EntryRecord) => void;
  private nextId = 0;
  private inFlightBytes = 0;
  private waiters: (() => void)[] = [];
  private failure: Error | null = null;

  constructor(options: WorkerPoolOptions) {
    const { workers = availableParallelism(), onResult, ...config } = options;
    this.onResult = onResult;
    for (let i = 0; i < Math.max(1, workers); i++) {
      const worker = new Worker(new URL('./verify-worker.ts', import.meta.url), { workerData: config });
      const slot = { worker, inFlight: 0 };
      worker.on('message', (reply: WorkerReply) => this.settle(slot, reply));
      worker.on('error', (error) => this.fail(error));
      this.workers.push(slot);
    }
  }

  async submit(entry: MessageEntry): Promise<void> {
    while (!this.failure && this.full()) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
    const slot = this.workers.reduce((least, candidate) => (candidate.inFlight < least.inFlight ? candidate : least));
    const id = this.nextId++;
    this.pending.set(id, { bytes: entry.bytes.length, locator: entry.locator });
    this.inFlightBytes += entry.bytes.length;
    slot.inFlight++;
    slot.worker.postMessage({ id, job: toJob(entry) } satisfies WorkerJob);
  }

  async drain(): Promise<void> {
    while (!this.failure && this.pending.size > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }

  private full(): boolean {
    const count = this.pending.size;
    // One message larger than the byte budget still gets through when nothing else is waiting.
    return count >= this.workers.length * MAX_IN_FLIGHT_PER_WORKER || (count > 0 && this.inFlightBytes >= MAX_IN_FLIGHT_BYTES);
  }

  private settle(slot: { inFlight: number }, reply: WorkerReply): void {
    const job = this.pending.get(reply.id);
    if (!job) return;
    this.pending.delete(reply.id);
    this.inFlightBytes -= job.bytes;
    slot.inFlight--;
    // A message that crashes the verifier is an error entry with its reason; the rest of the dump goes on.
    this.onResult(reply.record ?? { kind: 'error', locator: job.locator, sha256: null, detail: `internal error: ${reply.error}` });
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
function toJob(entry: MessageEntry): WorkerJob['job'] {
  const asStored = entry.alternateReadings?.find((reading) => reading.name === AS_STORED_READING)?.bytes;
  return { locator: entry.locator, bytes: entry.bytes, asStored };
}
