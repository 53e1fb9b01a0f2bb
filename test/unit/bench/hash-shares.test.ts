import { describe, expect, it } from 'vitest';
import { splitByBytes } from '../../../bench/hash-shares.ts';

/** Every message in exactly one share, in order: the shares tile [0, n). */
function expectTiling(shares: { first: number; end: number }[], count: number): void {
  expect(shares[0]!.first).toBe(0);
  expect(shares.at(-1)!.end).toBe(count);
  for (let i = 1; i < shares.length; i++) expect(shares[i]!.first).toBe(shares[i - 1]!.end);
}

describe('splitByBytes', () => {
  it('gives each thread about the same number of bytes, not of messages', () => {
    // One large message then many small ones: half the bytes are the first message.
    const sizes = [1000, ...Array.from({ length: 10 }, () => 100)];
    const shares = splitByBytes(sizes, 2);
    expect(shares).toEqual([
      { first: 0, end: 1 },
      { first: 1, end: 11 },
    ]);
  });

  it('covers every message once, in order, whatever the sizes', () => {
    const sizes = [5, 1, 1, 9, 3, 3, 3, 20, 1, 2, 8];
    for (const parts of [1, 2, 3, 4, 7]) {
      const shares = splitByBytes(sizes, parts);
      expect(shares).toHaveLength(parts);
      expectTiling(shares, sizes.length);
    }
  });

  it('leaves some shares empty when there are fewer messages than threads', () => {
    const shares = splitByBytes([10, 10], 4);
    expect(shares).toHaveLength(4);
    expectTiling(shares, 2);
    expect(shares.filter((share) => share.end > share.first)).toHaveLength(2);
  });

  it('gives empty shares for no messages, and refuses a count of threads that is not one', () => {
    expect(splitByBytes([], 2)).toEqual([
      { first: 0, end: 0 },
      { first: 0, end: 0 },
    ]);
    expect(() => splitByBytes([1], 0)).toThrow(/positive integer/);
    expect(() => splitByBytes([1], 1.5)).toThrow(/positive integer/);
  });
});
