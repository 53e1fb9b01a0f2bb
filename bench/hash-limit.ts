/**
 * The SHA-256-only limit of issue 15: how fast this machine can hash a dump's message bytes three times (the
 * DKIM body hash, the message's own hash, the dump's identity) with node:crypto on every core, and nothing else.
 * Ingest's MB/s divided by this is how near it runs to the floor that hashing sets.
 *
 * Run as a child by ingest-vs-mailauth.ts: `node bench/hash-limit.ts <dump> <max bytes>`; prints one JSON line
 * (HashLimit). The messages are read (and inflated) first, untimed, into one shared buffer of at most
 * MAX_SAMPLE_BYTES: the limit is a rate, so a sample of a few hundred MB measures it as well as a whole 5 GB
 * dump would. Then one worker thread per core (availableParallelism) hashes its share of them, every message
 * three times, a fresh createHash('sha256') per message per pass as ingest does; the clock runs from the moment
 * every thread holds its share to the moment the last one is done, and the fastest of a few such rounds counts.
 * The bytes count once: MB/s = bytes ÷ wall.
 *
 * For a zip whose messages travel deflated (as ingest ships them to its verifying threads), a second limit is
 * measured the same way: each message inflated from its compressed bytes (inflateMember, as a verifying thread
 * does, CRC-32 check included) and then hashed three times. A zip's messages cannot be hashed before they are
 * inflated, and inflating costs more than the three hashes together: this is the floor for a zip dump.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { readDump } from '../shared/dump/open-dump.ts';
import { inflateMember } from '../shared/dump/zip-member.ts';
import { splitByBytes } from './hash-shares.ts';

/** What the child prints. */
export interface HashLimit {
  threads: number;
  messages: number;
  /** Message bytes hashed (each three times). */
  bytes: number;
  /** Wall time of the hashing alone, s: the fastest of a few rounds over the same bytes. */
  seconds: number;
  /** CPU time of the process (every thread) over that round, s. */
  cpuSeconds: number;
  /** The dump held more mail than MAX_SAMPLE_BYTES: the rest was not read. */
  sampled: boolean;
  /** Inflating each message from its compressed bytes, then hashing it three times; null when none is deflated. */
  withInflating: { seconds: number; cpuSeconds: number } | null;
}

/** What a round does to each message of a thread's share. */
type Pass = 'hash' | 'inflate-and-hash';

/** At most this many bytes of mail are held to measure the rate on. */
const MAX_SAMPLE_BYTES = 512e6;
const PASSES = 3;
const MIN_ROUNDS = 3;
const MIN_SECONDS = 1;

interface WorkerInput {
  memory: SharedArrayBuffer;
  /** Where each message of this thread's share starts in `memory`, and where the last one ends (length n + 1). */
  bounds: number[];
  /** The same messages compressed, as a zip holds them (null when not every message is deflated). */
  deflated: { memory: SharedArrayBuffer; bounds: number[]; crc32: number[] } | null;
}

if (isMainThread) await measure();
else hashShare(workerData as WorkerInput);

async function measure(): Promise<void> {
  const [dumpPath, maxBytes] = process.argv.slice(2);
  if (!dumpPath || !maxBytes) {
    console.error('usage: node bench/hash-limit.ts <dump> <max bytes>');
    process.exit(2);
  }
  const memory = new SharedArrayBuffer(Math.min(Number(maxBytes), MAX_SAMPLE_BYTES));
  const held = new Uint8Array(memory);
  const starts = [0];
  // Compressed bytes are never more than a little over the inflated ones they come with; the buffer's length is
  // reserved address space, touched only as far as it is filled.
  const deflatedMemory = new SharedArrayBuffer(memory.byteLength);
  const deflatedHeld = new Uint8Array(deflatedMemory);
  const deflatedStarts = [0];
  const crcs: number[] = [];
  let allDeflated = true;
  let sampled = false;
  for await (const entry of readDump(dumpPath)) {
    if (entry.kind !== 'message') continue;
    const bytes = entry.bytes;
    const at = starts.at(-1)!;
    const deflatedAt = deflatedStarts.at(-1)!;
    if (at + bytes.length > memory.byteLength || deflatedAt + (entry.deflated?.data.length ?? 0) > deflatedMemory.byteLength) {
      sampled = true;
      break;
    }
    held.set(bytes, at);
    starts.push(at + bytes.length);
    if (entry.deflated === undefined) allDeflated = false;
    else {
      deflatedHeld.set(entry.deflated.data, deflatedAt);
      deflatedStarts.push(deflatedAt + entry.deflated.data.length);
      crcs.push(entry.deflated.crc32);
    }
  }
  const sizes = starts.slice(1).map((end, i) => end - starts[i]!);

  const threads = availableParallelism();
  const workers = splitByBytes(sizes, threads).map(({ first, end }) => {
    const deflated = allDeflated ? { memory: deflatedMemory, bounds: deflatedStarts.slice(first, end + 1), crc32: crcs.slice(first, end) } : null;
    const input: WorkerInput = { memory, bounds: starts.slice(first, end + 1), deflated };
    return new Worker(new URL(import.meta.url), { workerData: input });
  });
  // Every thread has started and holds its share before the clock starts: thread start-up is not hashing.
  await Promise.all(workers.map((worker) => once(worker, 'message')));
  const best = await fastestRound(workers, 'hash');
  const withInflating = allDeflated && sizes.length > 0 ? await fastestRound(workers, 'inflate-and-hash') : null;
  await Promise.all(workers.map((worker) => worker.terminate()));
  const result: HashLimit = { threads, messages: sizes.length, bytes: starts.at(-1)!, ...best, sampled, withInflating };
  console.log(JSON.stringify(result));
}

/**
 * Rounds of `pass` until MIN_ROUNDS and MIN_SECONDS are both reached; the fastest counts: the limit is what the
 * pass does at best, the round least disturbed by the rest of the machine (a few ms on a small dump otherwise).
 */
async function fastestRound(workers: Worker[], pass: Pass): Promise<{ seconds: number; cpuSeconds: number }> {
  let best = { seconds: Number.POSITIVE_INFINITY, cpuSeconds: 0 };
  let spent = 0;
  for (let round = 0; round < MIN_ROUNDS || spent < MIN_SECONDS; round++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const done = workers.map((worker) => once(worker, 'message'));
    for (const worker of workers) worker.postMessage(pass);
    await Promise.all(done);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    spent += seconds;
    if (seconds < best.seconds) best = { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  }
  return best;
}

function hashShare({ memory, bounds, deflated }: WorkerInput): void {
  const port = parentPort!;
  port.on('message', (pass: Pass) => {
    for (let i = 0; i + 1 < bounds.length; i++) {
      const held = nth(memory, bounds, i);
      const message = pass === 'hash' ? held : inflateMember({ data: nth(deflated!.memory, deflated!.bounds, i), size: held.length, crc32: deflated!.crc32[i]! });
      for (let hash = 0; hash < PASSES; hash++) createHash('sha256').update(message).digest();
    }
    port.postMessage('done');
  });
  port.postMessage('ready');
}

/** The i-th message held in `memory`, between bounds[i] and bounds[i + 1]. */
function nth(memory: SharedArrayBuffer, bounds: number[], i: number): Buffer {
  return Buffer.from(memory, bounds[i]!, bounds[i + 1]! - bounds[i]!);
}
