import { SingleBar } from 'cli-progress';
import { duration, megabytes } from './format.ts';

/** How far one stage of `leakproof upload` has got: bytes checksummed or sent, entries of the dump processed. */
export interface Meter {
  update(done: number, total: number, note?: string): void;
  stop(): void;
}

export interface MeterOptions {
  /** What is counted: shown as megabytes and MB/s, or as a plain count. */
  unit: 'bytes' | 'entries';
  /** Seconds between two plain lines when the stream is not a terminal. */
  lineSeconds?: number;
}

/**
 * A live bar on a terminal (done of total, the rate, an ETA), plain lines every few seconds otherwise (CI logs,
 * files), as the ingest's progress does. Counts only: never a file name or anything from the dump.
 */
export function meter(label: string, options: MeterOptions, stream: NodeJS.WriteStream = process.stderr): Meter {
  const started = performance.now();
  const amount = (done: number, total: number) => (options.unit === 'bytes' ? `${megabytes(done)} of ${megabytes(total)}` : `${done} of ${total} entries`);
  const rateOf = (done: number) => done / Math.max((performance.now() - started) / 1000, 0.001);
  const rate = (done: number) => {
    const perSecond = rateOf(done);
    return options.unit === 'bytes' ? `${(perSecond / 1e6).toFixed(1)} MB/s` : `${perSecond.toFixed(0)}/s`;
  };
  const remaining = (done: number, total: number) => {
    const perSecond = rateOf(done);
    return total <= done ? '0s' : perSecond > 0 ? duration((total - done) / perSecond) : '--';
  };
  if (stream.isTTY) {
    // {remaining}, not cli-progress's own {eta}: ours is measured from the start of this stage.
    const bar = new SingleBar({ stream, format: `${label.padEnd(8)} {bar} {percentage}% | {amount} | {rate} | ETA {remaining} {note}`, hideCursor: true, barsize: 24, fps: 5 });
    let started = false;
    return {
      update(done, total, note = '') {
        const values = { amount: amount(done, total), rate: rate(done), remaining: remaining(done, total), note };
        if (!started) {
          started = true;
          bar.start(Math.max(total, 1), done, values);
        }
        bar.setTotal(Math.max(total, 1));
        bar.update(done, values);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  const every = (options.lineSeconds ?? 5) * 1000;
  let lastLine = -Infinity;
  type Reading = { done: number; total: number; note: string };
  let last: Reading | null = null;
  let printed: Reading | null = null;
  const line = () => {
    if (!last || last === printed) return;
    printed = last;
    lastLine = performance.now();
    stream.write(`${label}: ${amount(last.done, last.total)} (${rate(last.done)})${last.note ? `, ${last.note}` : ''}\n`);
  };
  return {
    update(done, total, note = '') {
      last = { done, total, note };
      if (performance.now() - lastLine >= every) line();
    },
    stop: line,
  };
}
