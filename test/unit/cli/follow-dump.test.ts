import { describe, expect, it } from 'vitest';
import { DumpFailedError, followDump } from '../../../cli/follow-dump.ts';
import { ApiError } from '../../../cli/remote-api.ts';
import type { DumpStatus, DumpSummary } from '../../../shared/ports/verdict-store.ts';

function summaryAt(status: DumpStatus, processed: number, located: number | null, failure?: string): DumpSummary {
  return {
    dump: { id: 'd'.repeat(64), name: 'leak.zip', source: 's3://b/uploads/x/leak.zip', bytes: 10, status, startedAt: '2025-01-01T00:00:00.000Z', finishedAt: null, located, processed, messages: processed, documents: 0, skipped: 0, errors: 0, ...(failure ? { failure } : {}) },
    messages: processed,
    byVerdict: {},
    byReason: {},
    signingDomains: [],
    documents: 0,
    byProvenance: {},
    skipped: 0,
    errors: 0,
    senderDomains: [],
    months: [],
    undated: 0,
  };
}

/** An API that answers each look with the next of `answers` (a summary, null for 404, or an error thrown). */
function scriptedApi(answers: (DumpSummary | null | Error)[]) {
  let looks = 0;
  return {
    get looks() {
      return looks;
    },
    async summary() {
      const answer = answers[Math.min(looks++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

describe('followDump', () => {
  it('waits while the dump is unknown, splitting and processing, and returns its summary once complete', async () => {
    const api = scriptedApi([null, null, summaryAt('splitting', 0, null), summaryAt('processing', 3, 10), summaryAt('complete', 10, 10)]);
    const seen: string[] = [];
    const summary = await followDump(api, 'd'.repeat(64), { pollMs: 1, onProgress: (dump) => seen.push(`${dump.status} ${dump.processed}/${dump.located}`) });
    expect(summary.dump.status).toBe('complete');
    expect(seen).toEqual(['splitting 0/null', 'processing 3/10', 'complete 10/10']);
    expect(api.looks).toBe(5);
  });

  it('a failed dump is an error with its reason and its summary', async () => {
    const api = scriptedApi([summaryAt('processing', 1, 5), summaryAt('failed', 1, 5, 'the split gave up: NoSuchKey')]);
    const error = await followDump(api, 'x', { pollMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DumpFailedError);
    expect((error as Error).message).toBe('the dump failed: the split gave up: NoSuchKey');
    expect((error as DumpFailedError).summary.dump.status).toBe('failed');
  });

  it('waits out throttling and gateway errors, but not a refusal', async () => {
    const throttled = scriptedApi([new ApiError(429, 'slow down'), new ApiError(503, 'unavailable'), new Error('cannot reach https://x: ECONNRESET'), summaryAt('complete', 1, 1)]);
    expect((await followDump(throttled, 'x', { pollMs: 1 })).dump.status).toBe('complete');
    const refused = scriptedApi([new ApiError(403, 'the API answered 403')]);
    await expect(followDump(refused, 'x', { pollMs: 1 })).rejects.toThrow('the API answered 403');
    expect(refused.looks).toBe(1);
  });

  it('gives up on a dump the stack never picks up, and stops when told', async () => {
    await expect(followDump(scriptedApi([null]), 'x', { pollMs: 5, unseenMs: 20 })).rejects.toThrow(/has not picked the upload up/);
    const controller = new AbortController();
    const following = followDump(scriptedApi([summaryAt('processing', 0, 1)]), 'x', { pollMs: 10_000, signal: controller.signal });
    controller.abort();
    await expect(following).rejects.toMatchObject({ name: 'AbortError' });
  });
});
