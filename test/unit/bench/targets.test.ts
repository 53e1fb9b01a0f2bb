import { describe, expect, it } from 'vitest';
import type { RunRow, SizedRun, TargetLine } from '../../../bench/report-table.ts';
import { flatMemoryLine, targets, TARGETS } from '../../../bench/targets.ts';

const run = (over: Partial<RunRow>): RunRow => ({ label: 'leakproof ingest (250 MB)', messages: 2500, bytes: 250e6, seconds: 2.5, peakRssMb: 280, ...over });
const ingest = run({ cpuSeconds: 6, firstVerdictMs: 140 });
const mailauth = run({ label: 'mailauth dkimVerify loop (250 MB)', seconds: 5, cpuSeconds: 5 });
const limit = run({ label: 'SHA-256 ×3 limit, 2 threads (250 MB)', seconds: 0.5, peakRssMb: null });
const sized = (...runs: [number, string, RunRow][]): SizedRun[] => runs.map(([size, sizeLabel, row]) => ({ size, sizeLabel, run: row }));

function line(lines: TargetLine[], label: string | RegExp): TargetLine {
  const found = lines.find((candidate) => (typeof label === 'string' ? candidate.label === label : label.test(candidate.label)));
  if (!found) throw new Error(`no target line ${label} in ${lines.map((candidate) => candidate.label).join(', ')}`);
  return found;
}

describe('targets', () => {
  it('wants ingest at 2.5× the mailauth loop: 2× is missed, 2.5× met', () => {
    expect(TARGETS.ratioToMailauth).toBe(2.5);
    const twice = line(targets({ ingest, mailauth, limit, sized: sized([250e6, '250 MB', ingest]) }), /ingest ÷ mailauth/);
    expect(twice).toMatchObject({ value: '2.00×', target: '≥ 2.5×', met: false });
    const faster = run({ seconds: 2 });
    expect(line(targets({ ingest: faster, mailauth, limit, sized: sized([250e6, '250 MB', faster]) }), /ingest ÷ mailauth/)).toMatchObject({ value: '2.50×', met: true });
  });

  it('reports ingest as a share of the hash limit beside the targets, not as one', () => {
    const lines = targets({ ingest, mailauth, limit, sized: sized([250e6, '250 MB', ingest]) });
    expect(line(lines, /SHA-256 ×3 limit/)).toEqual({ label: 'throughput, ingest ÷ SHA-256 ×3 limit (MB/s)', value: '0.20×', target: 'push up', met: null, informational: true });
    expect(() => line(targets({ ingest, mailauth, limit: null, sized: sized([250e6, '250 MB', ingest]) }), /SHA-256/)).toThrow(/no target line/);
  });

  it('wants 200 MB/s wall on each dump of 1 GB or more, and none on a smaller one', () => {
    const oneGb = run({ label: 'leakproof ingest (1 GB)', bytes: 1e9, seconds: 4, firstVerdictMs: 90 });
    const fiveGb = run({ label: 'leakproof ingest (5 GB)', bytes: 5e9, seconds: 50, firstVerdictMs: 100 });
    const lines = targets({ ingest, mailauth, limit, sized: sized([250e6, '250 MB', ingest], [1e9, '1 GB', oneGb], [5e9, '5 GB', fiveGb]) });
    expect(line(lines, 'throughput at 1 GB, wall')).toMatchObject({ value: '250.0 MB/s (0.50× the limit)', target: '≥ 200 MB/s', met: true });
    expect(line(lines, 'throughput at 5 GB, wall')).toMatchObject({ value: '100.0 MB/s (0.20× the limit)', met: false });
    expect(lines.some((candidate) => candidate.label.includes('250 MB, wall'))).toBe(false);
  });

  it('takes the slowest start-up of the ingests against 150 ms', () => {
    const slow = run({ label: 'leakproof ingest (1 GB)', bytes: 1e9, firstVerdictMs: 151 });
    expect(line(targets({ ingest, mailauth, limit, sized: sized([250e6, '250 MB', ingest]) }), /^start-up/)).toMatchObject({ value: '140 ms', target: '≤ 150 ms', met: true });
    expect(line(targets({ ingest, mailauth, limit, sized: sized([250e6, '250 MB', ingest], [1e9, '1 GB', slow]) }), /^start-up/)).toMatchObject({
      label: 'start-up: first verdict after (slowest of 2 ingests)',
      value: '151 ms',
      met: false,
    });
    const silent = run({ firstVerdictMs: null });
    expect(line(targets({ ingest: silent, mailauth, limit, sized: sized([250e6, '250 MB', silent]) }), /^start-up/)).toMatchObject({ value: 'n/a', met: null });
  });

  it('keeps peak RSS under 300 MB on the base dump', () => {
    const heavy = run({ peakRssMb: 311 });
    expect(line(targets({ ingest: heavy, mailauth, limit, sized: sized([250e6, '250 MB', heavy]) }), /^peak RSS/)).toMatchObject({ value: '311 MB', target: '< 300 MB', met: false });
  });
});

describe('flatMemoryLine', () => {
  it('compares the largest dump with the base, within 20% or 30 MB', () => {
    const base = run({ peakRssMb: 250 });
    expect(flatMemoryLine(sized([250e6, '250 MB', base], [1e9, '1 GB', run({ peakRssMb: 260 })], [5e9, '5 GB', run({ peakRssMb: 300 })]))).toEqual({
      label: 'peak RSS flat as the dump grows (250 MB → 5 GB)',
      value: '250 → 300 MB',
      target: '≤ 300 MB',
      met: true,
    });
    expect(flatMemoryLine(sized([250e6, '250 MB', base], [5e9, '5 GB', run({ peakRssMb: 301 })])).met).toBe(false);
  });

  it('is not measured when a run failed or did not report', () => {
    expect(flatMemoryLine(sized([250e6, '250 MB', run({})], [5e9, '5 GB', run({ failed: 'exit 1' })])).met).toBeNull();
    expect(flatMemoryLine(sized([250e6, '250 MB', run({ peakRssMb: null })], [5e9, '5 GB', run({})])).met).toBeNull();
  });
});
