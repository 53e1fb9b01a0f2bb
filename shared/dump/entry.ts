/**
 * What a dump reader yields: every entry of a dump, each exactly once, as a message (its original bytes),
 * a skipped non-message, or an error with its reason — so a dump's counts always add up.
 */

/**
 * Where an entry lives inside a dump. `path` is the entry's path relative to the dump; crossing into a nested
 * container (a zip or mbox inside a zip) appends "!/" and the inner path. `offset`/`length` are byte positions
 * inside the innermost container when that container is an mbox.
 */
export interface Locator {
  path: string;
  offset?: number;
  length?: number;
}

/** A stable, printable key for a locator: "a/b.mbox#1234", "outer.zip!/inner.mbox#0", "cur/1:2,". */
export function locatorKey(locator: Locator): string {
  return locator.offset === undefined ? locator.path : `${locator.path}#${locator.offset}`;
}

export interface MessageEntry {
  kind: 'message';
  locator: Locator;
  /** The message exactly as it stands in the dump (for mbox: after undoing `>From ` quoting). */
  bytes: Buffer;
  /**
   * mbox only: other readings of the same message that the quoting makes possible. The verifier tries them
   * when a body hash fails on `bytes`, and says which reading verified.
   */
  alternateReadings?: { name: string; bytes: Buffer }[];
}

export interface SkippedEntry {
  kind: 'skipped';
  locator: Locator;
  /** Why it is not a message, e.g. "not a message (image/png)". */
  reason: string;
}

export interface ErrorEntry {
  kind: 'error';
  locator: Locator;
  /** One line naming what went wrong, e.g. "zip entry truncated: expected 5120 bytes, got 812". */
  reason: string;
}

export type DumpEntry = MessageEntry | SkippedEntry | ErrorEntry;
