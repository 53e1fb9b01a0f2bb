/** How the AWS adapters wait before trying a call again that they retry themselves (beside the SDK's own retries). */
const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 5_000;

/**
 * The pause before attempt `attempt` (0: none): a uniformly random time up to min(cap, base × 2^attempt), "full
 * jitter", so workers throttled together do not all come back together.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return attempt === 0 ? 0 : Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
}

/** Waits backoffMs(attempt). */
export async function pauseBeforeAttempt(attempt: number): Promise<void> {
  const ms = backoffMs(attempt);
  if (ms > 0) await new Promise((done) => setTimeout(done, ms));
}
