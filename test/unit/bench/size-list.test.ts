import { describe, expect, it } from 'vitest';
import { parseSizeList, sizeLabel } from '../../../bench/size-list.ts';

describe('parseSizeList', () => {
  it('reads a comma list of sizes, smallest first, each once', () => {
    expect(parseSizeList('5g,1g', 250e6)).toEqual([1e9, 5e9]);
    expect(parseSizeList(' 40m , 30m,40m', 20e6)).toEqual([30e6, 40e6]);
    expect(parseSizeList('1g', 250e6)).toEqual([1e9]);
  });

  it('leaves out the base size, which always runs', () => {
    expect(parseSizeList('250m,1g', 250e6)).toEqual([1e9]);
  });

  it('is empty without --size, and refuses what is not a size', () => {
    expect(parseSizeList(undefined, 250e6)).toEqual([]);
    expect(() => parseSizeList('1g,', 250e6)).toThrow(/not a size/);
    expect(() => parseSizeList('1g,big', 250e6)).toThrow(/not a size: "big"/);
  });
});

describe('sizeLabel', () => {
  it('names sizes as the dump folders and rows do', () => {
    expect(sizeLabel(250e6)).toBe('250 MB');
    expect(sizeLabel(1e9)).toBe('1 GB');
    expect(sizeLabel(1.5e9)).toBe('1.5 GB');
    expect(sizeLabel(5e9)).toBe('5 GB');
  });
});
