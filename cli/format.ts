/** Small formatting helpers shared by the CLI's progress line and summary table. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** A count with its noun, singular for one: "1 error", "2 errors", "0 documents". */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

/** Left-aligned label, right-aligned number: the rows of the summary table. */
export function row(label: string, value: number | string, width = 34): string {
  const text = String(value);
  return `${label.padEnd(Math.max(width - text.length, label.length + 1))}${text}`;
}
