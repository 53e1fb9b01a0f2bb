import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, type RemoteApi, type RemoteDumpOverview, type RemoteDumpSummary } from './remote-api.ts';

export interface FollowOptions {
  /** Between two looks (the API's default throttle is 20 requests a second across all callers: this is one in 2 s). */
  pollMs?: number;
  /** How long a dump may stay unknown to the API after its upload before the stack is deemed not to have seen it. */
  unseenMs?: number;
  onProgress?: (dump: RemoteDumpOverview) => void;
  signal?: AbortSignal;
}

/** The dump ended as failed: its split gave up, for `reason`. */
export class DumpFailedError extends Error {
  readonly summary: RemoteDumpSummary;

  constructor(summary: RemoteDumpSummary) {
    super(`the dump failed: ${summary.dump.failure ?? 'no reason recorded'}`);
    this.name = 'DumpFailedError';
    this.summary = summary;
  }
}

/** Answers worth asking again for: throttling, a gateway's hiccup, the network. */
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);
const MAX_TRANSIENT_IN_A_ROW = 10;

/**
 * Asks the API about a dump until it is complete (its summary) or failed (DumpFailedError). The dump is unknown
 * (404) until the splitter has picked the upload up; throttling and passing network errors are waited out.
 */
export async function followDump(api: Pick<RemoteApi, 'summary'>, dumpId: string, options: FollowOptions = {}): Promise<RemoteDumpSummary> {
  const pollMs = options.pollMs ?? 2_000;
  const unseenMs = options.unseenMs ?? 15 * 60_000;
  const started = Date.now();
  let failuresInARow = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    let summary: RemoteDumpSummary | null | undefined;
    try {
      summary = await api.summary(dumpId);
      failuresInARow = 0;
    } catch (error) {
      const transient = error instanceof ApiError ? TRANSIENT_STATUSES.has(error.status) : /^cannot reach /.test((error as Error).message);
      if (!transient || ++failuresInARow > MAX_TRANSIENT_IN_A_ROW) throw error;
    }
    if (summary) {
      options.onProgress?.(summary.dump);
      if (summary.dump.status === 'complete') return summary;
      if (summary.dump.status === 'failed') throw new DumpFailedError(summary);
    } else if (summary === null && Date.now() - started > unseenMs) {
      throw new Error(`the stack has not picked the upload up after ${Math.round(unseenMs / 60_000)} minutes (is its splitter running?)`);
    }
    await sleep(pollMs * (failuresInARow > 0 ? Math.min(2 ** failuresInARow, 15) : 1), undefined, options.signal ? { signal: options.signal } : {});
  }
}
