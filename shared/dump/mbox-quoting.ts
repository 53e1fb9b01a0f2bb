/**
 * Undoes mbox ">From " quoting. mboxrd writers quote every line matching /^>*From / by adding one '>', so
 * removing one '>' from every line matching /^>+From / restores the message; that reading is the primary one,
 * named 'unquoted-all'. mboxo writers quote only "From " lines, so a stored ">From " line may also be an original
 * ">From " line: the other readings (which quoted lines to leave as stored) are offered lazily, for the verifier
 * to try when the primary reading's body hash fails.
 */
import type { MessageReading } from './entry.ts';

export const PRIMARY_READING = 'unquoted-all';
export const AS_STORED_READING = 'as-stored';

/** With more quoted lines than this, the 2^n - 2 mixed readings are too many to try; only 'as-stored' is offered. */
export const MAX_QUOTED_LINES_FOR_MIXED_READINGS = 6;

const LF = 0x0a;
const GT = 0x3e;
const LF_GT = Buffer.from('\n>', 'latin1');
const FROM = Buffer.from('From ', 'latin1');

export interface MboxReadings {
  bytes: Buffer;
  alternateReadings?: MessageReading[];
}

export function mboxReadings(stored: Buffer): MboxReadings {
  const quoted = quotedFromLines(stored);
  if (quoted.length === 0) return { bytes: stored };
  return { bytes: withoutQuotes(stored, quoted), alternateReadings: alternateReadings(stored, quoted) };
}

/**
 * Only the other readings of a stored message, for a thread that already has the primary one (a worker gets
 * the primary reading and the stored bytes): rebuilding the primary would copy the message for nothing.
 */
export function otherReadings(stored: Buffer): MessageReading[] | undefined {
  const quoted = quotedFromLines(stored);
  return quoted.length === 0 ? undefined : alternateReadings(stored, quoted);
}

/** Offsets of the first '>' of every line matching /^>+From /, in order. */
export function quotedFromLines(stored: Buffer): number[] {
  const found: number[] = [];
  if (isQuotedFrom(stored, 0)) found.push(0);
  for (let at = stored.indexOf(LF_GT); at !== -1; at = stored.indexOf(LF_GT, at + 1)) {
    if (isQuotedFrom(stored, at + 1)) found.push(at + 1);
  }
  return found;
}

function isQuotedFrom(stored: Buffer, lineStart: number): boolean {
  let at = lineStart;
  while (stored[at] === GT) at++;
  return at > lineStart && stored.length - at >= FROM.length && stored.subarray(at, at + FROM.length).equals(FROM);
}

/**
 * The bytes with the '>' at each of the given offsets removed, in memory of their own: never a slice of Node's
 * shared pool, because structured cloning copies a pool once, by identity, so a reading built from the pool while
 * a clone is being made (the getters below) would arrive as the pool's stale bytes.
 */
function withoutQuotes(stored: Buffer, offsets: number[]): Buffer {
  const out = Buffer.allocUnsafeSlow(stored.length - offsets.length);
  let from = 0;
  let written = 0;
  for (const offset of [...offsets, stored.length]) {
    written += stored.copy(out, written, from, offset);
    from = offset + 1;
  }
  return out;
}

/**
 * 'as-stored', then (for few quoted lines) every mixed reading. The mixed readings' bytes are built on access and
 * not cached, so a message costs memory only for the readings the verifier actually reads; plain objects with
 * getters still survive structured cloning (worker threads) and object spread.
 */
function alternateReadings(stored: Buffer, quoted: number[]): MessageReading[] {
  const readings: MessageReading[] = [{ name: AS_STORED_READING, bytes: stored }];
  if (quoted.length > MAX_QUOTED_LINES_FOR_MIXED_READINGS) return readings;
  for (const lines of mixedSubsets(quoted.length)) {
    const offsets = lines.map((line) => quoted[line] as number);
    readings.push({
      name: `unquoted-lines:${lines.map((line) => line + 1).join(',')}`,
      get bytes() {
        return withoutQuotes(stored, offsets);
      },
    });
  }
  return readings;
}

/**
 * Every subset of 0..n-1 but the empty and the full one, largest first: a message with a few original ">From "
 * lines among many quoted ones is likelier than the reverse.
 */
function mixedSubsets(n: number): number[][] {
  const subsets: number[][] = [];
  for (let mask = 1; mask < 2 ** n - 1; mask++) {
    subsets.push([...Array(n).keys()].filter((bit) => (mask >> bit) & 1));
  }
  return subsets.sort((a, b) => b.length - a.length || compareLexically(a, b));
}

function compareLexically(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}
