/** The rules every key archive shares for names and for the first/last-seen window of a key. */

/** DNS names compare case-insensitively; a trailing dot names the same zone. */
export function normaliseName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * Stored times must all be `toISOString()` form: the window is widened by comparing them as text, and
 * "2024-01-01T00:00:00Z" would sort after "2024-01-01T00:00:00.000Z".
 */
export function normaliseTime(time: string | null, field: string): string | null {
  if (time === null) return null;
  const parsed = new Date(time);
  if (Number.isNaN(parsed.getTime())) throw new Error(`key ${field} is not a date: ${JSON.stringify(time)}`);
  return parsed.toISOString();
}

export function earliest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a <= b ? a : b;
}

export function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}
