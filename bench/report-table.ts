/** The benchmark's printed tables: one row per run, one line per target, peak RSS by dump size. */

export interface RunRow {
  label: string;
  messages: number;
  bytes: number;
  seconds: number;
  peakRssMb: number | null;
  /** CPU time, all threads (user + system), s. */
  cpuSeconds?: number | null;
  /** The machine's 1-minute load average when the run started. */
  load?: number;
  /** An ingest run: ms from the process's start to its first verdict (null when it did not say). */
  firstVerdictMs?: number | null;
  failed?: string;
}

export interface TargetLine {
  label: string;
  value: string;
  target: string;
  met: boolean | null;
  /** A figure printed beside the targets, not one of them. */
  informational?: true;
}

/** Message MB per wall-clock second; null for a run that failed. */
export function mbPerSecond(run: RunRow): number | null {
  return run.failed ? null : run.bytes / 1e6 / run.seconds;
}

/** A run's MB/s as a share of the SHA-256-only limit's (hash-limit.ts); null when either is unknown. */
export function ratioToLimit(run: RunRow, limit: RunRow | null): number | null {
  const rate = mbPerSecond(run);
  const limitRate = limit === null ? null : mbPerSecond(limit);
  return rate === null || limitRate === null ? null : rate / limitRate;
}

const COLUMNS = ['messages', 'MB', 's', 'msg/s', 'MB/s', '÷ limit', 'peak RSS MB', 'CPU s', 'load', '1st verdict ms'];
const WIDTHS = [9, 9, 8, 9, 8, 9, 12, 8, 6, 15];

/** Every run, with its MB/s as a share of `limit`'s (the SHA-256-only run, itself a row: 1.00×). */
export function runTable(rows: readonly RunRow[], limit: RunRow | null = null): string {
  const labelWidth = Math.max(...rows.map((row) => row.label.length), 10);
  const line = (label: string, cells: string[]) => label.padEnd(labelWidth) + cells.map((cell, i) => cell.padStart(WIDTHS[i]!)).join('');
  const out = [line('', COLUMNS)];
  for (const row of rows) {
    if (row.failed) {
      out.push(line(row.label, ['FAILED']) + `  ${row.failed}`);
      continue;
    }
    const ratio = ratioToLimit(row, limit);
    out.push(
      line(row.label, [
        row.messages.toLocaleString('en-US'),
        (row.bytes / 1e6).toFixed(1),
        row.seconds.toFixed(row.seconds < 10 ? 2 : 1),
        (row.messages / row.seconds).toFixed(1),
        mbPerSecond(row)!.toFixed(1),
        ratio === null ? 'n/a' : `${ratio.toFixed(2)}×`,
        row.peakRssMb === null ? 'n/a' : row.peakRssMb.toFixed(0),
        row.cpuSeconds == null ? 'n/a' : row.cpuSeconds.toFixed(1),
        row.load === undefined ? '' : row.load.toFixed(1),
        row.firstVerdictMs == null ? '' : row.firstVerdictMs.toFixed(0),
      ]),
    );
  }
  return out.join('\n');
}

/** One ingest run at one dump size (the base dump's included). */
export interface SizedRun {
  /** The size asked for (--base, --size), bytes. */
  size: number;
  sizeLabel: string;
  run: RunRow;
}

/** Peak RSS by dump size, against `rssTargetMb`, with each run's MB/s and its share of the hash limit's. */
export function sizeTable(runs: readonly SizedRun[], limit: RunRow | null, rssTargetMb: number): string {
  const header = ['size', 'messages', 'MB/s', '÷ limit', 'peak RSS MB', `< ${rssTargetMb} MB`];
  const cells = runs.map(({ sizeLabel, run }) => {
    if (run.failed) return [sizeLabel, 'FAILED', '', '', '', 'n/a'];
    const ratio = ratioToLimit(run, limit);
    const rss = run.peakRssMb;
    return [
      sizeLabel,
      run.messages.toLocaleString('en-US'),
      mbPerSecond(run)!.toFixed(1),
      ratio === null ? 'n/a' : `${ratio.toFixed(2)}×`,
      rss === null ? 'n/a' : rss.toFixed(0),
      rss === null ? 'n/a' : rss < rssTargetMb ? 'ok' : 'MISSED',
    ];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [header, ...cells].map(line).join('\n');
}

export function targetLines(lines: readonly TargetLine[]): string {
  const labelWidth = Math.max(...lines.map((line) => line.label.length));
  const valueWidth = Math.max(...lines.map((line) => line.value.length));
  const targetWidth = Math.max(...lines.map((line) => line.target.length));
  return lines
    .map((line) => {
      const verdict = line.informational ? '' : line.met === null ? 'not measured' : line.met ? 'ok' : 'MISSED';
      return `${line.label.padEnd(labelWidth)}  ${line.value.padStart(valueWidth)}   ${line.target.padEnd(targetWidth)}   ${verdict}`;
    })
    .join('\n');
}

/** One row of the worst-case table: a hostile input, what was measured, against its target. */
export interface WorstCaseRow {
  name: string;
  input: string;
  measured: string;
  target: string;
  met: boolean | null;
  note: string;
}

export function worstCaseTable(rows: readonly WorstCaseRow[]): string {
  const header: WorstCaseRow = { name: 'class', input: 'input', measured: 'measured', target: 'target', met: null, note: 'outcome' };
  const widths = {
    name: Math.max(...[header, ...rows].map((row) => row.name.length)),
    input: Math.max(...[header, ...rows].map((row) => row.input.length)),
    measured: Math.max(...[header, ...rows].map((row) => row.measured.length)),
    target: Math.max(...[header, ...rows].map((row) => row.target.length)),
  };
  const line = (row: WorstCaseRow, result: string) =>
    [row.name.padEnd(widths.name), row.input.padStart(widths.input), row.measured.padStart(widths.measured), row.target.padEnd(widths.target), result.padEnd(6), row.note].join('  ');
  return [line(header, 'result'), ...rows.map((row) => line(row, row.met === null ? 'n/a' : row.met ? 'ok' : 'MISSED'))].join('\n');
}
