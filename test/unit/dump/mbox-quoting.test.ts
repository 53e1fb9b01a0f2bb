import { describe, expect, it } from 'vitest';
import { mboxReadings, quotedFromLines } from '../../../shared/dump/mbox-quoting.ts';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const readingsOf = (stored: string): Record<string, string> =>
  Object.fromEntries((mboxReadings(bytes(stored)).alternateReadings ?? []).map((reading) => [reading.name, reading.bytes.toString('latin1')]));

describe('mbox quoting', () => {
  it('leaves messages without quoted lines alone (same buffer, no alternates)', () => {
    const stored = bytes('A: 1\n\nFrom: not at issue\n> From spaced\n');
    const readings = mboxReadings(stored);
    expect(readings.bytes).toBe(stored);
    expect(readings.alternateReadings).toBeUndefined();
  });

  it('undoes one level of mboxrd quoting on every /^>+From / line', () => {
    const readings = mboxReadings(bytes('A: 1\r\n\r\n>From one\r\n>>From two\r\nx >From three\r\n>>>From four\r\n'));
    expect(readings.bytes.toString('latin1')).toBe('A: 1\r\n\r\nFrom one\r\n>From two\r\nx >From three\r\n>>From four\r\n');
  });

  it('offers as-stored and every mixed reading for the mboxo ambiguity', () => {
    expect(readingsOf('A: 1\n\n>From a\n>From b\n')).toEqual({
      'as-stored': 'A: 1\n\n>From a\n>From b\n',
      'unquoted-lines:1': 'A: 1\n\nFrom a\n>From b\n',
      'unquoted-lines:2': 'A: 1\n\n>From a\nFrom b\n',
    });
  });

  it('orders mixed readings largest first', () => {
    const names = (mboxReadings(bytes('>From 1\n>From 2\n>From 3\n')).alternateReadings ?? []).map((reading) => reading.name);
    expect(names).toEqual([
      'as-stored',
      'unquoted-lines:1,2',
      'unquoted-lines:1,3',
      'unquoted-lines:2,3',
      'unquoted-lines:1',
      'unquoted-lines:2',
      'unquoted-lines:3',
    ]);
  });

  it('offers 2^n - 1 alternates up to 6 quoted lines, then only as-stored', () => {
    const quoted = (n: number): string => 'A: 1\n\n' + '>From x\n'.repeat(n);
    expect(mboxReadings(bytes(quoted(6))).alternateReadings).toHaveLength(63);
    expect(mboxReadings(bytes(quoted(7))).alternateReadings?.map((reading) => reading.name)).toEqual(['as-stored']);
  });

  it('builds mixed readings on access, and they survive structured cloning (worker threads)', () => {
    // Small buffers come from Node's shared pool, which structured cloning copies once: readings built during
    // the clone must not live there, or they arrive as zeros.
    const readings = mboxReadings(bytes('>From a\n>From b\n')).alternateReadings ?? [];
    expect(Object.getOwnPropertyDescriptor(readings[1], 'bytes')?.get).toBeTypeOf('function');
    const cloned = structuredClone(readings).map((reading) => [reading.name, Buffer.from(reading.bytes).toString()]);
    expect(cloned).toEqual([
      ['as-stored', '>From a\n>From b\n'],
      ['unquoted-lines:1', 'From a\n>From b\n'],
      ['unquoted-lines:2', '>From a\nFrom b\n'],
    ]);
  });

  it('finds quoted lines at the start and after any line end', () => {
    expect(quotedFromLines(bytes('>From a\r\n>>From b\nx\n>From c'))).toEqual([0, 9, 20]);
    expect(quotedFromLines(bytes('>From\n> From x\n>Fro'))).toEqual([]);
  });
});
