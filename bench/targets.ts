/** Issue 15's targets, and the lines that say whether a benchmark run met them. */
import { mbPerSecond, ratioToLimit, type RunRow, type SizedRun, type TargetLine } from './report-table.ts';

export const TARGETS = {
  /** Ingest's MB/s over the mailauth dkimVerify loop's, on the base dump. */
  ratioToMailauth: 2.5,
  /** Peak RSS of an ingest, at every dump size and of every hostile dump, MB (below). */
  peakRssMb: 300,
  /** Wall MB/s of an ingest of a dump of at least LARGE_DUMP_BYTES. */
  largeDumpMbPerSecond: 200,
  /** From the process's start to its first verdict, ms (at most). */
  firstVerdictMs: 150,
  /** Each hostile message of the worst-case table (worst-case.ts), verified in under this many seconds. */
  hostileMessageSeconds: 1,
};
const LARGE_DUMP_BYTES = 1e9;
/** "Flat": the largest dump's run may use at most this much more than the base's (GC timing alone moves RSS a little). */
export const FLAT_TOLERANCE = { factor: 1.2, mb: 30 };

export interface BenchRuns {
  ingest: RunRow;
  mailauth: RunRow;
  /** The SHA-256-only limit (hash-limit.ts); null when it was not measured. */
  limit: RunRow | null;
  /** Every ingest by dump size, the base's first. */
  sized: readonly SizedRun[];
}

export function targets({ ingest, mailauth, limit, sized }: BenchRuns): TargetLine[] {
  const ingestRate = mbPerSecond(ingest);
  const mailauthRate = mbPerSecond(mailauth);
  const ratio = ingestRate !== null && mailauthRate !== null ? ingestRate / mailauthRate : null;
  const lines: TargetLine[] = [
    {
      label: 'throughput, ingest ÷ mailauth (MB/s)',
      value: ratio === null ? 'n/a' : `${ratio.toFixed(2)}×`,
      target: `≥ ${TARGETS.ratioToMailauth}×`,
      met: ratio === null ? null : ratio >= TARGETS.ratioToMailauth,
    },
    rssLine(`peak RSS, ${ingest.label}`, ingest),
  ];
  // Not a target: CPU time, which other work on the machine moves far less than wall time (ingest spreads its
  // CPU over every core, so this ratio is not the throughput ratio; compare it between versions of ingest).
  if (!ingest.failed && !mailauth.failed && ingest.cpuSeconds && mailauth.cpuSeconds) {
    lines.push({ label: 'CPU time, ingest ÷ mailauth (same mail)', value: `${(ingest.cpuSeconds / mailauth.cpuSeconds).toFixed(2)}×`, target: 'not a target', met: null, informational: true });
  }
  // Not a target either, but the figure issue 15 says to push up: how near ingest runs to what hashing alone allows.
  const toLimit = ratioToLimit(ingest, limit);
  if (toLimit !== null) {
    lines.push({ label: 'throughput, ingest ÷ SHA-256 ×3 limit (MB/s)', value: `${toLimit.toFixed(2)}×`, target: 'push up', met: null, informational: true });
  }
  for (const { sizeLabel, run } of sized.filter(({ size }) => size >= LARGE_DUMP_BYTES)) {
    const rate = mbPerSecond(run);
    const share = ratioToLimit(run, limit);
    lines.push({
      label: `throughput at ${sizeLabel}, wall`,
      value: rate === null ? 'n/a' : `${rate.toFixed(1)} MB/s${share === null ? '' : ` (${share.toFixed(2)}× the limit)`}`,
      target: `≥ ${TARGETS.largeDumpMbPerSecond} MB/s`,
      met: rate === null ? null : rate >= TARGETS.largeDumpMbPerSecond,
    });
  }
  const startUps = sized.map(({ run }) => run.firstVerdictMs).filter((ms): ms is number => typeof ms === 'number');
  const slowest = startUps.length === 0 ? null : Math.max(...startUps);
  lines.push({
    label: `start-up: first verdict after${startUps.length > 1 ? ` (slowest of ${startUps.length} ingests)` : ''}`,
    value: slowest === null ? 'n/a' : `${slowest.toFixed(0)} ms`,
    target: `≤ ${TARGETS.firstVerdictMs} ms`,
    met: slowest === null ? null : slowest <= TARGETS.firstVerdictMs,
  });
  return lines;
}

/** Peak RSS of the largest dump against the base dump's: memory must not grow with the dump. */
export function flatMemoryLine(sized: readonly SizedRun[]): TargetLine {
  const base = sized[0];
  const largest = sized.at(-1);
  const baseMb = base?.run.failed ? null : (base?.run.peakRssMb ?? null);
  const largestMb = largest?.run.failed ? null : (largest?.run.peakRssMb ?? null);
  const ceiling = baseMb === null ? null : Math.max(baseMb * FLAT_TOLERANCE.factor, baseMb + FLAT_TOLERANCE.mb);
  return {
    label: `peak RSS flat as the dump grows (${base?.sizeLabel ?? '?'} → ${largest?.sizeLabel ?? '?'})`,
    value: baseMb === null || largestMb === null ? 'n/a' : `${baseMb.toFixed(0)} → ${largestMb.toFixed(0)} MB`,
    target: ceiling === null ? 'flat' : `≤ ${ceiling.toFixed(0)} MB`,
    met: baseMb === null || largestMb === null || ceiling === null ? null : largestMb <= ceiling,
  };
}

function rssLine(label: string, run: RunRow): TargetLine {
  const mb = run.failed ? null : run.peakRssMb;
  return { label, value: mb === null ? 'n/a' : `${mb.toFixed(0)} MB`, target: `< ${TARGETS.peakRssMb} MB`, met: mb === null ? null : mb < TARGETS.peakRssMb };
}
