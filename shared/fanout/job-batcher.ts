import { unitSpan, type WorkJob, type WorkUnit } from './work-units.ts';

/**
 * Bounds of one job. A worker Lambda takes up to 10 jobs at once and must finish well within its timeout: 200
 * messages of ordinary mail verify in about a second. The span bound keeps one job's single ranged read small.
 */
export const MAX_UNITS_PER_JOB = 200;
export const MAX_JOB_SPAN_BYTES = 16 * 1024 * 1024;
/** A job travels as one SQS message (at most 1 MiB, and 10 of them share a 1 MiB batch): units are small, names are not always. */
export const MAX_JOB_JSON_BYTES = 96 * 1024;

export interface BatcherPosition {
  nextJobId: number;
  unitCount: number;
}

/**
 * Groups the splitter's units, in dump order, into jobs of neighbouring units and hands each job on as it
 * fills. Job ids count up from 0, so splitting the same dump again yields the same jobs.
 */
export class JobBatcher {
  readonly #dumpId: string;
  readonly #key: string;
  readonly #send: (job: WorkJob) => Promise<void>;
  #units: WorkUnit[] = [];
  /** The bytes of the dump the job's units lie in (empty while none has a span). */
  #spanStart = Infinity;
  #spanEnd = -Infinity;
  #jsonBytes = 0;
  #nextJobId: number;
  /** Units handed on so far: what the dump's "located" count becomes. */
  unitCount: number;

  /** `from` continues a split paused in an earlier invocation (see `position`). */
  constructor(dumpId: string, key: string, send: (job: WorkJob) => Promise<void>, from: BatcherPosition = { nextJobId: 0, unitCount: 0 }) {
    this.#dumpId = dumpId;
    this.#key = key;
    this.#send = send;
    this.#nextJobId = from.nextJobId;
    this.unitCount = from.unitCount;
  }

  /** Where a batcher continuing this split starts; call after `flush`. */
  position(): BatcherPosition {
    return { nextJobId: this.#nextJobId, unitCount: this.unitCount };
  }

  async add(unit: WorkUnit): Promise<void> {
    const span = unitSpan(unit);
    const jsonBytes = Buffer.byteLength(JSON.stringify(unit));
    const spanTooWide = span && this.#spanEnd > this.#spanStart && Math.max(span.end, this.#spanEnd) - Math.min(span.start, this.#spanStart) > MAX_JOB_SPAN_BYTES;
    if (spanTooWide || (this.#units.length > 0 && this.#jsonBytes + jsonBytes > MAX_JOB_JSON_BYTES)) await this.flush();
    this.#units.push(unit);
    this.#jsonBytes += jsonBytes;
    this.unitCount++;
    if (span) {
      this.#spanStart = Math.min(this.#spanStart, span.start);
      this.#spanEnd = Math.max(this.#spanEnd, span.end);
    }
    if (this.#units.length >= MAX_UNITS_PER_JOB) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#units.length === 0) return;
    const job: WorkJob = { dumpId: this.#dumpId, key: this.#key, jobId: this.#nextJobId++, units: this.#units };
    this.#units = [];
    this.#spanStart = Infinity;
    this.#spanEnd = -Infinity;
    this.#jsonBytes = 0;
    await this.#send(job);
  }
}
