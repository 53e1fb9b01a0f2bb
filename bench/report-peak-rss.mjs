/**
 * Preloaded into a benchmarked child (NODE_OPTIONS=--import=…/report-peak-rss.mjs): on exit, writes the
 * process's peak resident set size in KB to the file named by LEAKPROOF_BENCH_RSS_FILE. This measures the
 * CLI as it is, without changing it; maxRSS is per process, so it includes the worker threads' memory.
 * Plain JavaScript on purpose: a TypeScript preload would load Node's type stripper into every thread and
 * add its memory (about 15 MB a thread) to what is measured.
 */
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const target = process.env.LEAKPROOF_BENCH_RSS_FILE;
// Workers inherit --import; only the main thread reports, once, when the whole process ends.
if (target && isMainThread) {
  process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
}
