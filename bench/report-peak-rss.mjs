/**
 * Preloaded into a benchmarked child (NODE_OPTIONS=--import=…/report-peak-rss.mjs): on exit, writes the
 * process's peak resident set size in KB, then its user and system CPU time in µs, to the file named by
 * LEAKPROOF_BENCH_RSS_FILE. This measures the CLI as it is, without changing it; both are per process, so they
 * include the worker threads' memory and CPU. CPU time is what to compare on a machine others load: wall time
 * there says more about them than about the code.
 * Plain JavaScript on purpose: a TypeScript preload would load Node's type stripper into every thread and
 * add its memory (about 15 MB a thread) to what is measured.
 */
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { highWaterMarkKb } from './high-water-mark.mjs';

const target = process.env.LEAKPROOF_BENCH_RSS_FILE;
// Workers inherit --import; only the main thread reports, once, when the whole process ends.
if (target && isMainThread) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    // VmHWM, not getrusage's maxRSS where there is a choice: on Linux a process keeps across exec the peak of the
    // one it was forked from, so a child of a bench that had just built a 600 MB hostile dump in memory reported
    // ~1.1 GB whatever it used itself.
    writeFileSync(target, `${highWaterMarkKb('self') ?? usage.maxRSS} ${usage.userCPUTime} ${usage.systemCPUTime}`);
  });
}

