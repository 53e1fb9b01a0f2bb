/** Runs one benchmarked child process and measures it: wall time from spawn to exit, and its own peak RSS. */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { highWaterMarkKb } from './high-water-mark.mjs';

export interface Measurement {
  ok: boolean;
  exitCode: number | null;
  seconds: number;
  /** Peak resident set size of the child (worker threads included), MB; null when it did not report. */
  peakRssMb: number | null;
  /** User + system CPU time of the child (worker threads included), s; null when it did not report. */
  cpuSeconds: number | null;
  stdout: string;
  /** The end of stderr, to show when the child failed. */
  stderrTail: string;
  /** The child ran past `timeoutMs` and was killed. */
  timedOut: boolean;
}

export interface MeasureOptions {
  cwd: string;
  scratch: string;
  label: string;
  /** Kill the child after this long (a hostile input may run for minutes): the bench reports it and goes on. */
  timeoutMs?: number;
}

const PRELOAD = pathToFileURL(join(import.meta.dirname, 'report-peak-rss.mjs')).href;
const STDERR_TAIL = 2000;

/**
 * `command` runs as given: the leakproof command as an executable (its shebang's Node options apply, as for a
 * user), the mailauth loop through Node. The peak-RSS reporter is preloaded through NODE_OPTIONS either way.
 */
export async function runMeasured(command: string[], options: MeasureOptions): Promise<Measurement> {
  const rssFile = join(options.scratch, `${options.label.replace(/\W+/g, '-')}.maxrss`);
  await rm(rssFile, { force: true });
  const started = performance.now();
  const [program, ...args] = command as [string, ...string[]];
  const child = spawn(program, args, {
    cwd: options.cwd,
    env: { ...process.env, LEAKPROOF_BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${PRELOAD}`.trim() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL)));
  let timedOut = false;
  let peakAtKillKb: number | null = null;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          // A killed child cannot report its own peak: read it from the kernel first (Linux; elsewhere n/a).
          peakAtKillKb = child.pid === undefined ? null : highWaterMarkKb(child.pid);
          child.kill('SIGKILL');
        }, options.timeoutMs);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  const seconds = (performance.now() - started) / 1000;
  const [reportedKb, userMicros, systemMicros] = timedOut ? [] : (await readFile(rssFile, 'utf8').catch(() => '')).split(' ').map(Number);
  const peakKb = timedOut ? (peakAtKillKb ?? 0) : (reportedKb ?? 0);
  const cpuMicros = userMicros !== undefined && systemMicros !== undefined ? userMicros + systemMicros : Number.NaN;
  return {
    ok: exitCode === 0,
    exitCode,
    seconds,
    peakRssMb: peakKb > 0 ? peakKb / 1024 : null,
    cpuSeconds: Number.isFinite(cpuMicros) ? cpuMicros / 1e6 : null,
    stdout,
    stderrTail: stderr.trim(),
    timedOut,
  };
}

