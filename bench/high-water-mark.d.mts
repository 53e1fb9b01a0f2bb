/** See high-water-mark.mjs (plain JavaScript: the peak-RSS preload imports it). */
export function highWaterMarkKb(pid: number | 'self'): number | null;
