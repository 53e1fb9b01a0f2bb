/**
 * Preloaded into a benchmarked child (`node --import ./bench/report-peak-rss.ts ...`): on exit, writes the
 * process's peak resident set size in KB to the file named by LEAKPROOF_BENCH_RSS_FILE. This measures the
 * CLI as it is, without changing it; maxRSS is per process, so it includes the worker threads' memory.
 */
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const target = process.env.LEAKPROOF_BENCH_RSS_FILE;
// Workers inherit --import; only the main thread reports, once, when the whole process ends.
if (target && isMainThread) {
  process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
}
