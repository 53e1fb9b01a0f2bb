/** The benchmark's printed table: one row per run, then one line per target. */

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

const COLUMNS = ['messages', 'MB', 's', 'msg/s', 'MB/s', 'peak RSS MB', 'CPU s', 'load'];

export function runTable(rows: readonly RunRow[]): string {
  const labelWidth = Math.max(...rows.map((row) => row.label.length), 10);
  const widths = [9, 9, 8, 9, 8, 12, 8, 6];
  const line = (label: string, cells: string[]) => label.padEnd(labelWidth) + cells.map((cell, i) => cell.padStart(widths[i]!)).join('');
  const out = [line('', COLUMNS)];
  for (const row of rows) {
    if (row.failed) {
      out.push(line(row.label, ['FAILED']) + `  ${row.failed}`);
      continue;
    }
    const mb = row.bytes / 1e6;
    out.push(
      line(row.label, [
        row.messages.toLocaleString('en-US'),
        mb.toFixed(1),
        row.seconds.toFixed(1),
        (row.messages / row.seconds).toFixed(1),
        (mb / row.seconds).toFixed(1),
        row.peakRssMb === null ? 'n/a' : row.peakRssMb.toFixed(0),
        row.cpuSeconds == null ? 'n/a' : row.cpuSeconds.toFixed(1),
        row.load === undefined ? '' : row.load.toFixed(1),
      ]),
    );
  }
  return out.join('\n');
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
