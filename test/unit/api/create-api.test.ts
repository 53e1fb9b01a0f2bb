/** What the router does whatever the store: failures as problems without details, the token, the headers. */
import { describe, expect, it } from 'vitest';
import { createApi, type ApiDependencies } from '../../../shared/api/create-api.ts';
import type { VerdictStore } from '../../../shared/ports/verdict-store.ts';
import { RecordingReverifier } from './api-harness.ts';
import { SIGNED_DUMP_ID } from './seed.ts';

/** A store whose every method fails the way a broken connection would, with a message that must not leak. */
function brokenStore(): VerdictStore {
  return new Proxy({} as VerdictStore, {
    get: () => () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:8000 (table leakproof-verdicts-prod)')),
  });
}

function api(overrides: Partial<ApiDependencies> = {}) {
  const logged: unknown[] = [];
  const app = createApi({ store: brokenStore(), keys: {} as never, reverifier: new RecordingReverifier(), log: (error) => logged.push(error), ...overrides });
  return { app, logged };
}

describe('a failure the router did not expect', () => {
  it('is a 500 problem that says nothing of the cause, which goes to the log', async () => {
    const { app, logged } = api();
    for (const path of ['/dumps', `/dumps/${SIGNED_DUMP_ID}`, `/dumps/${SIGNED_DUMP_ID}/messages`, `/dumps/${SIGNED_DUMP_ID}/export`]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(500);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        detail: 'the server could not answer this request; the cause is in its log',
      });
      expect(text).not.toMatch(/ECONNREFUSED|10\.0\.0\.7|leakproof-verdicts|at /);
    }
    expect(logged).toHaveLength(4);
    expect((logged[0] as Error).message).toContain('ECONNREFUSED');
  });

  it('is also caught when it is not an Error', async () => {
    const store = { ...brokenStore(), listDumps: () => Promise.reject('a string, thrown') } as unknown as VerdictStore;
    const { app, logged } = api({ store });
    expect((await app.request('/dumps')).status).toBe(500);
    expect(logged).toHaveLength(1);
    expect((logged[0] as Error).cause).toBe('a string, thrown');
  });
});

describe('every response', () => {
  it('tells browsers not to guess its type', async () => {
    const { app } = api();
    for (const path of ['/', '/openapi.json', '/dumps/nope', '/nowhere']) {
      expect((await app.request(path)).headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});

describe('the bearer token', () => {
  it('is compared whole: a prefix, a longer token or another scheme is refused', async () => {
    const { app } = api({ token: 's3cret-token', store: { listDumps: async () => [] } as unknown as VerdictStore });
    const status = async (authorization?: string) => (await app.request('/dumps', { headers: authorization ? { authorization } : {} })).status;
    expect(await status('Bearer s3cret-token')).toBe(200);
    expect(await status('Bearer s3cret-token ')).toBe(200);
    for (const refused of [undefined, 'Bearer s3cret', 'Bearer s3cret-token2', 'Bearer', 'Token s3cret-token', 'Bearer s3cret-token extra']) {
      expect(await status(refused), String(refused)).toBe(401);
    }
  });

  it('is not asked for when none was given', async () => {
    const { app } = api({ store: { listDumps: async () => [] } as unknown as VerdictStore });
    expect((await app.request('/dumps')).status).toBe(200);
  });
});

describe('a cap on response size (the AWS host)', () => {
  /** A store with one dump whose export never ends, counting the records it was asked for. */
  function endlessStore() {
    const pulled = { records: 0 };
    const store = {
      listMessages: async () => ({ messages: [], cursor: null }),
      listDumps: async () => [],
      async *exportRecords(dumpId: string) {
        for (;;) {
          pulled.records++;
          yield { dump: dumpId, locator: `m/${pulled.records}.eml`, sha256: null, messageId: null, from: null, date: null, subject: 'x'.repeat(200), verdict: 'unverified', reasons: ['no-signature'], detail: null, verifiedAt: null, signatures: [], rulesVersion: null, history: [] };
        }
      },
    } as unknown as VerdictStore;
    return { store, pulled };
  }

  it('stops reading an answer over the cap and says why, as a 501 problem', async () => {
    const { store, pulled } = endlessStore();
    const { app } = api({ store, maxResponseBytes: 64 * 1024 });
    const response = await app.request(`/dumps/${SIGNED_DUMP_ID}/export`);
    expect(response.status).toBe(501);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((await response.json()) as object).toMatchObject({ status: 501, title: 'Not Implemented', detail: expect.stringContaining('over the 64 KiB') });
    // About 64 KiB of 300-byte lines, not the endless rest.
    expect(pulled.records).toBeLessThan(300);
  });

  it('passes answers under it through unchanged', async () => {
    const { app } = api({ store: { listDumps: async () => [] } as unknown as VerdictStore, maxResponseBytes: 1024 });
    const response = await app.request('/dumps');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ dumps: [] });
  });
});
