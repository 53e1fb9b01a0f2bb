/**
 * Settling a dump's documents' provenance in AWS (issue 11 §4, §6): once every entry of a dump is stored, its
 * documents are decided by settleProvenance (shared/provenance) before the dump is complete. In AWS that runs in
 * the splitter's function, invoked through the split queue as a split's continuations are (15 minutes, one
 * message at a time, dead-lettered to the split failure recorder, which marks the dump failed), in legs:
 *
 * - 'documents' legs decide the dump's own documents in locator order, each leg going on after the last one it
 *   settled: a leg stops taking documents MAX_DOCUMENTS_PER_LEG in, or when its function has less than
 *   SOFT_RESERVE_MS left; a store call with less than HARD_RESERVE_MS left throws, and the leg still hands on
 *   what it finished. So a leg never runs into Lambda's limit, whatever one document costs.
 * - one 'others' leg then lets settleProvenance look for documents of other dumps this dump's signed mail may
 *   decide (its own bounded pass). Cut short by the hard reserve, it stops there: those documents keep their
 *   decision until read (the document detail decides afresh) or their own dump is settled again.
 *
 * Idempotent under redelivery: setProvenance replaces a document's decision and moves its counts exactly once,
 * and settleProvenance does not write an unchanged decision, so a leg delivered twice, or two legs resumed from
 * one cursor, end as one. The dump completes only after the 'others' leg (completeSettled), once.
 */
import type { VerdictStore } from '../ports/verdict-store.ts';
import { settleProvenance, type SettleTally } from '../provenance/settle-provenance.ts';

export interface SettleOrder {
  dumpId: string;
  phase: 'documents' | 'others';
  /** 'documents': the locator key settled last; the leg goes on after it. */
  after?: string;
  /** Legs taken so far (from 0): a chain that would never end is stopped by counting. */
  leg: number;
}

/** A split queue message that settles a dump's documents: `{ "settle": SettleOrder }`. */
export interface SettleMessage {
  settle: SettleOrder;
}

/** Documents one leg decides at most: at ~100 ms each (several Queries of 32 shards, a write) ~8 minutes. */
export const MAX_DOCUMENTS_PER_LEG = 5_000;
/** Legs one settle may take: 64 × 5,000 documents is 320,000, far more than a 20 GB dump holds. */
export const MAX_SETTLE_LEGS = 64;
/** A leg takes no more documents when its function has less than this left. */
export const SOFT_RESERVE_MS = 120_000;
/** Store calls fail when the function has less than this left: the leg hands on what it finished. */
export const HARD_RESERVE_MS = 30_000;

/** The store a settle leg needs: document locators that resume after a locator key (DynamoVerdictStore's). */
export interface ResumableDocumentStore extends VerdictStore {
  documentLocators(dumpId: string, after?: string): AsyncIterable<string>;
}

export interface SettleLegResult {
  /** The leg to send next, or null when the dump's documents are all settled (the dump can complete). */
  next: SettleOrder | null;
  tally: SettleTally | null;
  /** The 'others' pass stopped at the hard reserve. */
  othersCut: boolean;
}

class OutOfTime extends Error {
  constructor() {
    super('settle leg out of time');
  }
}

/** Why a settle that reached the cap on legs fails the dump. */
export function settleCapReason(legs: number): string {
  return `provenance not settled: ${legs} legs of up to 15 minutes did not decide the dump's documents (the cap on one settle's legs)`;
}

/** Runs one leg of a settle; `remainingMs` is the function's time left (Lambda's context.getRemainingTimeInMillis). */
export async function runSettleLeg(order: SettleOrder, store: ResumableDocumentStore, options: { now: Date; remainingMs: () => number }): Promise<SettleLegResult> {
  const { dumpId } = order;
  const documentsPhase = order.phase === 'documents';
  let taken = 0;
  let current: string | undefined;
  let settledThrough = order.after;
  let stoppedEarly = false;
  const documents = async function* (): AsyncGenerator<string> {
    if (!documentsPhase) return; // decided by the legs before
    for await (const locator of store.documentLocators(dumpId, order.after)) {
      // The one yielded before is settled: settleProvenance takes the next only when done with it.
      if (current !== undefined) settledThrough = current;
      if (taken >= MAX_DOCUMENTS_PER_LEG || options.remainingMs() < SOFT_RESERVE_MS) {
        stoppedEarly = true;
        return;
      }
      taken++;
      current = locator;
      yield locator;
    }
    if (current !== undefined) settledThrough = current;
  };
  const boxed = new Proxy(store, {
    get(target, property) {
      if (property === 'documentLocators') return documents;
      // Other dumps' documents are looked for in the 'others' leg alone, with a function's whole time.
      if (property === 'listDumps' && documentsPhase) return async () => [];
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (options.remainingMs() < HARD_RESERVE_MS) throw new OutOfTime();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });

  let tally: SettleTally | null = null;
  try {
    tally = await settleProvenance(boxed, dumpId, options.now);
  } catch (error) {
    if (!(error instanceof OutOfTime)) throw error;
    if (!documentsPhase) return { next: null, tally: null, othersCut: true };
    if (settledThrough === order.after) throw new Error(`settle of dump ${dumpId}: one document took the whole leg`);
    return { next: { dumpId, phase: 'documents', after: settledThrough, leg: order.leg + 1 }, tally: null, othersCut: false };
  }
  if (stoppedEarly) return { next: { dumpId, phase: 'documents', after: settledThrough, leg: order.leg + 1 }, tally, othersCut: false };
  if (documentsPhase) return { next: { dumpId, phase: 'others', leg: order.leg + 1 }, tally, othersCut: false };
  return { next: null, tally, othersCut: false };
}

/** The settle order a split queue message carries, or undefined when it is not one (a split's continuation). */
export function settleOrderOf(body: string): SettleOrder | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const order = (parsed as Partial<SettleMessage> | null)?.settle;
  if (order === undefined) return undefined;
  const { dumpId, phase, after, leg } = order;
  if (typeof dumpId !== 'string' || !/^[0-9a-f]{64}$/.test(dumpId) || (phase !== 'documents' && phase !== 'others') || (after !== undefined && typeof after !== 'string') || !Number.isInteger(leg) || leg < 0) {
    throw new Error('not a settle order: no dump id, phase or leg number');
  }
  return order;
}

/** The first leg of a dump's settle. */
export function firstSettleLeg(dumpId: string): SettleMessage {
  return { settle: { dumpId, phase: 'documents', leg: 0 } };
}
