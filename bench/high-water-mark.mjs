/**
 * A process's peak resident set size so far (VmHWM: worker threads included), KB; null where /proc is not there.
 * Plain JavaScript: the peak-RSS preload (report-peak-rss.mjs) imports it into the measured process.
 * @param {number | 'self'} pid
 * @returns {number | null}
 */
import { readFileSync } from 'node:fs';

export function highWaterMarkKb(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
