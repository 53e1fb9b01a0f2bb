import type { ChangeCause } from '../verdict/contract.ts';
import { unitSpan, unitStagedBytes, type WorkJob, type WorkUnit } from './work-units.ts';

/**
 * Bounds of one job. A worker Lambda takes up to 10 jobs at once and must finish well within its timeout: 200
 * messages of ordinary mail verify in about a second. The span bound keeps one job's single ranged read small.
 * A split's job counts its units (a unit is usually one message); a re-verification's counts the messages it
 * wants, since one unit (a nested zip) may hold thousands.
 */
export const MAX_UNITS_PER_JOB = 200;
export const MAX_JOB_SPAN_BYTES = 16 * 1024 * 1024;
/**
 * Staged document bytes one job reads (beside its span), unless a single document is larger: a worker reads and
 * describes its documents one at a time, and 16 MB of them reads in well under a second and parses in a few.
 */
export const MAX_JOB_STAGED_BYTES = 16 * 1024 * 1024;
/** A job travels as one SQS message (at most 1 MiB, and 10 of them share a 1 MiB batch): units are small, names are not always. */
export const MAX_JOB_JSON_BYTES = 96 * 1024;

export interface BatcherPosition {
  nextJobId: number;
  unitCount: number;
  /**
   * A paused split's units not yet sent: the job they begin is filled by the next leg. Where a job ends then
   * depends only on the dump, never on where a leg paused, so two legs that resumed one cursor (a continuation
   * delivered twice, a leg retried that paused elsewhere) send the same job under each id: a job is counted once
   * by its id, and two different jobs under one id would lose the units of the one counted second.
   */
  pending?: WorkUnit[];
}

/** Stored messages wanted from a unit: locator key → why each is verified again. */
export type WantedMessages = ReadonlyMap<string, ChangeCause>;

/**
 * Groups the splitter's units, in dump order, into jobs of neighbouring units and hands each job on as it
 * fills. Job ids count up from 0, so splitting the same dump again yields the same jobs.
 *
 * A re-verification run's batcher (`reverifyRun` given) takes each unit with the stored messages wanted from
 * it; its jobs carry the run and those messages (WorkJob.reverify). A unit wanting more than one job holds is
 * queued in several jobs, each wanting a share, so no worker verifies more than a job's worth.
 */
export class JobBatcher {
  readonly #dumpId: string;
  readonly #key: string;
  readonly #send: (job: WorkJob) => Promise<void>;
  readonly #reverifyRun: string | undefined;
  #units: WorkUnit[] = [];
  /** Messages the job will verify: its units, or (re-verification) the messages it wants. */
  #messages = 0;
  #wanted: [string, ChangeCause][] = [];
  /** The bytes of the dump the job's units lie in (empty while none has a span). */
  #spanStart = Infinity;
  #spanEnd = -Infinity;
  #jsonBytes = 0;
  #stagedBytes = 0;
  #nextJobId: number;
  /** Units handed on so far: what the dump's "located" count becomes. */
  unitCount: number;

  /** `from` continues a split paused in an earlier invocation (see `position`), or a run's numbering across dumps. */
  constructor(dumpId: string, key: string, send: (job: WorkJob) => Promise<void>, from: BatcherPosition = { nextJobId: 0, unitCount: 0 }, reverifyRun?: string) {
    this.#dumpId = dumpId;
    this.#key = key;
    this.#send = send;
    this.#nextJobId = from.nextJobId;
    this.unitCount = from.unitCount;
    this.#reverifyRun = reverifyRun;
    // Already counted in unitCount: they were added before the pause.
    for (const unit of from.pending ?? []) this.#hold(unit, Buffer.byteLength(JSON.stringify(unit)), 1, []);
  }

  /**
   * Where a batcher continuing this split starts, the units of the job being filled included (a split's
   * batcher; a re-verification's is flushed first).
   */
  position(): BatcherPosition {
    if (this.#units.length > 0 && this.#reverifyRun !== undefined) throw new Error('a re-verification batcher is flushed before its position is taken');
    return { nextJobId: this.#nextJobId, unitCount: this.unitCount, ...(this.#units.length > 0 ? { pending: [...this.#units] } : {}) };
  }

  /** Adds a unit; a re-verification's batcher needs the messages wanted from it. */
  async add(unit: WorkUnit, wanted?: WantedMessages): Promise<void> {
    if ((wanted === undefined) !== (this.#reverifyRun === undefined)) {
      throw new Error(this.#reverifyRun === undefined ? 'a split job takes its units whole: no wanted messages' : 'a re-verification job needs the messages wanted from each unit');
    }
    const unitBytes = Buffer.byteLength(JSON.stringify(unit));
    if (wanted === undefined) return this.#add(unit, unitBytes, 1, []);
    for (const share of shares(wanted, MAX_JOB_JSON_BYTES - unitBytes)) await this.#add(unit, unitBytes + share.jsonBytes, share.wanted.length, share.wanted);
  }

  async #add(unit: WorkUnit, jsonBytes: number, messages: number, wanted: [string, ChangeCause][]): Promise<void> {
    const span = unitSpan(unit);
    const spanTooWide = span && this.#spanEnd > this.#spanStart && Math.max(span.end, this.#spanEnd) - Math.min(span.start, this.#spanStart) > MAX_JOB_SPAN_BYTES;
    const tooMany = this.#messages + messages > MAX_UNITS_PER_JOB;
    const tooMuchStaged = this.#stagedBytes + unitStagedBytes(unit) > MAX_JOB_STAGED_BYTES;
    if (this.#units.length > 0 && (spanTooWide || tooMany || tooMuchStaged || this.#jsonBytes + jsonBytes > MAX_JOB_JSON_BYTES)) await this.flush();
    this.#hold(unit, jsonBytes, messages, wanted);
    this.unitCount++;
    if (this.#messages >= MAX_UNITS_PER_JOB) await this.flush();
  }

  /** Puts a unit in the job being filled. */
  #hold(unit: WorkUnit, jsonBytes: number, messages: number, wanted: [string, ChangeCause][]): void {
    const span = unitSpan(unit);
    this.#units.push(unit);
    this.#messages += messages;
    this.#wanted.push(...wanted);
    this.#jsonBytes += jsonBytes;
    this.#stagedBytes += unitStagedBytes(unit);
    if (span) {
      this.#spanStart = Math.min(this.#spanStart, span.start);
      this.#spanEnd = Math.max(this.#spanEnd, span.end);
    }
  }

  async flush(): Promise<void> {
    if (this.#units.length === 0) return;
    const job: WorkJob = { dumpId: this.#dumpId, key: this.#key, jobId: this.#nextJobId++, units: this.#units };
    // fromEntries defines every key as its own property: a locator named "__proto__" stays a locator.
    if (this.#reverifyRun !== undefined) job.reverify = { runId: this.#reverifyRun, causes: Object.fromEntries(this.#wanted) };
    this.#units = [];
    this.#messages = 0;
    this.#wanted = [];
    this.#spanStart = Infinity;
    this.#spanEnd = -Infinity;
    this.#jsonBytes = 0;
    this.#stagedBytes = 0;
    await this.#send(job);
  }
}

/** A unit's wanted messages in shares one job can hold: at most MAX_UNITS_PER_JOB, within `room` bytes of JSON. */
function shares(wanted: WantedMessages, room: number): { wanted: [string, ChangeCause][]; jsonBytes: number }[] {
  const all: { wanted: [string, ChangeCause][]; jsonBytes: number }[] = [];
  let share: { wanted: [string, ChangeCause][]; jsonBytes: number } | undefined;
  for (const [key, cause] of wanted) {
    // "key":"cause", in the job's causes object.
    const bytes = Buffer.byteLength(JSON.stringify(key)) + Buffer.byteLength(JSON.stringify(cause)) + 2;
    if (!share || share.wanted.length >= MAX_UNITS_PER_JOB || (share.wanted.length > 0 && share.jsonBytes + bytes > room)) {
      share = { wanted: [], jsonBytes: 2 };
      all.push(share);
    }
    share.wanted.push([key, cause]);
    share.jsonBytes += bytes;
  }
  return all;
}
