/** How the hash-limit run (hash-limit.ts) splits the messages between its threads: pure, so it is tested. */

/** Messages [first, end) of the list: one thread's share. */
export interface Share {
  first: number;
  end: number;
}

/**
 * Cuts `sizes` (message lengths, in dump order) into `parts` runs of consecutive messages with about the same
 * number of bytes each: a thread's share ends once the bytes so far reach its fraction of the total. Always
 * `parts` shares, in order and covering every message once; some are empty when there are fewer messages than
 * parts.
 */
export function splitByBytes(sizes: readonly number[], parts: number): Share[] {
  if (!Number.isInteger(parts) || parts < 1) throw new Error(`parts must be a positive integer, not ${parts}`);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const shares: Share[] = [];
  let first = 0;
  let end = 0;
  let bytes = 0;
  for (let part = 1; part < parts; part++) {
    const until = (total * part) / parts;
    while (end < sizes.length && bytes < until) bytes += sizes[end++]!;
    shares.push({ first, end });
    first = end;
  }
  shares.push({ first, end: sizes.length });
  return shares;
}
