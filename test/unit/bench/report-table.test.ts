import { describe, expect, it } from 'vitest';
import { mbPerSecond, ratioToLimit, runTable, sizeTable, targetLines, type RunRow } from '../../../bench/report-table.ts';

const ingest: RunRow = { label: 'leakproof ingest (250 MB)', messages: 2500, bytes: 250e6, seconds: 2.5, peakRssMb: 280, cpuSeconds: 4.5, load: 0.5, firstVerdictMs: 123.4 };
const limit: RunRow = { label: 'SHA-256 ×3 limit, 2 threads (250 MB)', messages: 2500, bytes: 250e6, seconds: 0.5, peakRssMb: null, cpuSeconds: 1 };
const failed: RunRow = { label: 'leakproof ingest (1 GB)', messages: 0, bytes: 1e9, seconds: 1, peakRssMb: null, failed: 'exit 1: boom' };

/** The cells of the table's line that starts with `label`. */
function cellsOf(table: string, label: string): string[] {
  const line = table.split('\n').find((text) => text.startsWith(label));
  if (line === undefined) throw new Error(`no line for ${label} in\n${table}`);
  return line.slice(label.length).trim().split(/\s+/);
}

describe('the hash-limit arithmetic', () => {
  it('takes message MB per wall second, and a run as a share of the limit', () => {
    expect(mbPerSecond(ingest)).toBe(100);
    expect(mbPerSecond(limit)).toBe(500);
    expect(ratioToLimit(ingest, limit)).toBeCloseTo(0.2, 10);
    expect(ratioToLimit(limit, limit)).toBe(1);
  });

  it('has no figure for a failed run or a limit not measured', () => {
    expect(mbPerSecond(failed)).toBeNull();
    expect(ratioToLimit(failed, limit)).toBeNull();
    expect(ratioToLimit(ingest, null)).toBeNull();
    expect(ratioToLimit(ingest, { ...limit, failed: 'exit 1' })).toBeNull();
  });
});

describe('runTable', () => {
  it('prints each run with its share of the hash limit and, for an ingest, its first verdict', () => {
    const table = runTable([ingest, limit, failed], limit);
    expect(table.split('\n')[0]).toMatch(/messages +MB +s +msg\/s +MB\/s +÷ limit +peak RSS MB +CPU s +load +1st verdict ms$/);
    expect(cellsOf(table, ingest.label)).toEqual(['2,500', '250.0', '2.50', '1000.0', '100.0', '0.20×', '280', '4.5', '0.5', '123']);
    expect(cellsOf(table, limit.label)).toEqual(['2,500', '250.0', '0.50', '5000.0', '500.0', '1.00×', 'n/a', '1.0']);
    expect(cellsOf(table, failed.label)).toEqual(['FAILED', 'exit', '1:', 'boom']);
  });

  it('says n/a for the share when no limit was measured', () => {
    expect(cellsOf(runTable([ingest]), ingest.label)[5]).toBe('n/a');
  });
});

describe('sizeTable', () => {
  it('prints peak RSS by dump size against the target, with MB/s and the share of the limit', () => {
    const big: RunRow = { ...ingest, label: 'leakproof ingest (1 GB)', messages: 10_000, bytes: 1e9, seconds: 5, peakRssMb: 301 };
    const table = sizeTable(
      [
        { size: 250e6, sizeLabel: '250 MB', run: ingest },
        { size: 1e9, sizeLabel: '1 GB', run: big },
        { size: 5e9, sizeLabel: '5 GB', run: failed },
      ],
      limit,
      300,
    );
    const lines = table.split('\n');
    expect(lines[0]!.split(/ {2,}/)).toEqual(['size', 'messages', 'MB/s', '÷ limit', 'peak RSS MB', '< 300 MB']);
    expect(cellsOf(table, '250 MB')).toEqual(['2,500', '100.0', '0.20×', '280', 'ok']);
    expect(cellsOf(table, '1 GB')).toEqual(['10,000', '200.0', '0.40×', '301', 'MISSED']);
    expect(cellsOf(table, '5 GB')).toEqual(['FAILED', 'n/a']);
    // Columns line up: every line is as long as the header.
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });
});

describe('targetLines', () => {
  it('says ok, MISSED or not measured, and nothing for a figure that is not a target', () => {
    const text = targetLines([
      { label: 'a', value: '1', target: '≥ 1', met: true },
      { label: 'b', value: '0', target: '≥ 1', met: false },
      { label: 'c', value: 'n/a', target: '≥ 1', met: null },
      { label: 'd', value: '2', target: 'push up', met: null, informational: true },
    ]);
    expect(text.split('\n').map((line) => line.trimEnd().split(/\s{2,}/).at(-1))).toEqual(['ok', 'MISSED', 'not measured', 'push up']);
  });
});
