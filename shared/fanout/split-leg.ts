/**
 * A split leg: one invocation's share of splitting a dump, and the continuation one leg leaves the next (see
 * functions/split.ts). Legs are numbered from 0; the number travels in the continuation, so a chain that would
 * never end (a cursor that stops moving, a bug) is stopped by counting, whatever AWS's own loop detection does.
 */
import type { BatcherPosition } from './job-batcher.ts';
import type { SplitCursor } from './split-dump.ts';

export interface SplitLeg {
  dumpId: string;
  key: string;
  name: string;
  leg: number;
  cursor?: SplitCursor;
  position?: BatcherPosition;
}

/**
 * Legs one split may take. A leg splits for up to 13.5 minutes (15 less the pause reserve): at the slowest rates
 * assumed in the README (50 MB/s streamed from S3, ~530 staged PUTs a second) that is ~40 GB or ~430,000 staged
 * messages a leg, so 64 legs is over 2.5 TB or 27 million staged messages, hundreds of times what a 20 GB dump
 * needs (one or two legs). A runaway chain costs at most 64 × 15 minutes of a 1 GB function.
 */
export const MAX_SPLIT_LEGS = 64;

/** Why a split stopped at the cap: what the dump's failure says. */
export function legCapReason(legs: number): string {
  return `split stopped: ${legs} legs of up to 15 minutes did not finish it (the cap on one split's legs); the jobs queued so far are verified`;
}

/** The continuation of a split as the split queue carries it; throws a one-line Error for anything else. */
export function parseSplitLeg(body: string): SplitLeg {
  let leg: unknown;
  try {
    leg = JSON.parse(body);
  } catch {
    throw new Error('not a split continuation: not JSON');
  }
  const { dumpId, key, name, leg: number } = (leg ?? {}) as Partial<SplitLeg>;
  if (typeof dumpId !== 'string' || !/^[0-9a-f]{64}$/.test(dumpId) || typeof key !== 'string' || typeof name !== 'string' || !Number.isInteger(number) || number! < 0) {
    throw new Error('not a split continuation: no dump id, key, name or leg number');
  }
  return leg as SplitLeg;
}
