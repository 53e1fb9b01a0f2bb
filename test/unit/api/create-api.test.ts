/** What the router does whatever the store: failures as problems without details, the token, the headers. */
import { describe, expect, it } from 'vitest';
import { createApi, type ApiDependencies } from '../../../shared/api/create-api.ts';
import type { DeliveredExport, ExportDelivery, ExportName } from '../../../shared/ports/export-delivery.ts';
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

/** A delivery that keeps what it was given (reading at most `upTo` lines, as a failing upload would stop). */
class RecordingDelivery implements ExportDelivery {
  readonly calls: { name: ExportName; lines: string[]; contentType: string; filename: string }[] = [];
  readonly upTo: number;
  constructor(upTo = Infinity) {
    this.upTo = upTo;
  }

  async deliver(name: ExportName, lines: AsyncIterable<string>, contentType: string, filename: string): Promise<DeliveredExport> {
    const call = { name, lines: [] as string[], contentType, filename };
    this.calls.push(call);
    for await (const line of lines) {
      if (call.lines.length >= this.upTo) throw new Error('the upload failed (s3://bucket/exports/... part 3)');
      call.lines.push(line);
    }
    return { url: `https://exports.example/${name.dumpId}.${name.format}?X-Amz-Signature=abc`, expiresAt: '2025-03-03T00:15:00.000Z' };
  }
}

describe('an export, where the host delivers it (AWS)', () => {
  /** The first `records` records of an endless store, the same ones each time. */
  function finiteStore(records: number) {
    return {
      ...endlessStore().store,
      async *exportRecords(dumpId: string) {
        let n = 0;
        for await (const record of endlessStore().store.exportRecords(dumpId)) {
          if (n++ === records) return;
          yield record;
        }
      },
    } as unknown as VerdictStore;
  }

  it('hands the same lines as the streamed export to the delivery, and answers 303 to where it went', async () => {
    const store = finiteStore(25);
    const streamed = await (await api({ store }).app.request(`/dumps/${SIGNED_DUMP_ID}/export?format=csv`)).text();
    const delivery = new RecordingDelivery();
    const { app } = api({ store, exportDelivery: delivery, maxResponseBytes: 1024 });
    const response = await app.request(`/dumps/${SIGNED_DUMP_ID}/export?format=csv`);
    expect(response.status).toBe(303);
    const url = `https://exports.example/${SIGNED_DUMP_ID}.csv?X-Amz-Signature=abc`;
    expect(response.headers.get('location')).toBe(url);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ url, expiresAt: '2025-03-03T00:15:00.000Z' });
    expect(delivery.calls).toHaveLength(1);
    const [call] = delivery.calls;
    expect(call).toMatchObject({ name: { dumpId: SIGNED_DUMP_ID, format: 'csv' }, contentType: 'text/csv; charset=utf-8', filename: `leakproof-${SIGNED_DUMP_ID.slice(0, 12)}.csv` });
    expect(call!.lines.join('')).toBe(streamed);
    expect(call!.lines).toHaveLength(26);
  });

  it('checks the parameters and the dump first: nothing is delivered for a 400 or a 404', async () => {
    const delivery = new RecordingDelivery();
    const store = { ...finiteStore(3), listMessages: async (id: string) => (id === SIGNED_DUMP_ID ? { messages: [], cursor: null } : null) } as unknown as VerdictStore;
    const { app } = api({ store, exportDelivery: delivery });
    expect((await app.request(`/dumps/${SIGNED_DUMP_ID}/export?format=xml`)).status).toBe(400);
    expect((await app.request(`/dumps/nope/export`)).status).toBe(400);
    expect((await app.request(`/dumps/${'0'.repeat(64)}/export`)).status).toBe(404);
    expect(delivery.calls).toEqual([]);
    expect((await app.request(`/dumps/${SIGNED_DUMP_ID}/export`)).status).toBe(303);
  });

  it('is a 500 that says nothing of the cause when the delivery fails, which goes to the log', async () => {
    const { store, pulled } = endlessStore();
    const { app, logged } = api({ store, exportDelivery: new RecordingDelivery(100) });
    const response = await app.request(`/dumps/${SIGNED_DUMP_ID}/export`);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('s3://');
    expect((logged[0] as Error).message).toContain('the upload failed');
    // The store was read no further than the delivery got.
    expect(pulled.records).toBeLessThan(110);
  });
});

describe('a cap on response size (the AWS host)', () => {
  /** A store whose one page of listed messages carries subjects of `subjectBytes` each. */
  function longSubjects(subjectBytes: number) {
    const line = { locator: 'm/1.eml', verdict: 'unverified', reasons: ['no-signature'], messageId: null, from: null, sender: null, date: null, subject: 's'.repeat(subjectBytes), signingDomains: [] };
    return { listMessages: async () => ({ messages: Array.from({ length: 500 }, (_, i) => ({ ...line, locator: `m/${i}.eml` })), cursor: null }) } as unknown as VerdictStore;
  }

  it('refuses an answer over it and says why, as a 501 problem', async () => {
    const { app } = api({ store: longSubjects(200), maxResponseBytes: 64 * 1024 });
    const response = await app.request(`/dumps/${SIGNED_DUMP_ID}/messages?limit=500`);
    expect(response.status).toBe(501);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((await response.json()) as object).toMatchObject({ status: 501, title: 'Not Implemented', detail: expect.stringContaining('over the 64 KiB') });
  });

  it('stops reading a streamed answer at the cap (an export where none is delivered)', async () => {
    const { store, pulled } = endlessStore();
    const { app } = api({ store, maxResponseBytes: 64 * 1024 });
    const response = await app.request(`/dumps/${SIGNED_DUMP_ID}/export`);
    expect(response.status).toBe(501);
    // About 64 KiB of 300-byte lines, not the endless rest.
    expect(pulled.records).toBeLessThan(300);
  });

  it('passes answers under it through unchanged', async () => {
    const { app } = api({ store: longSubjects(10), maxResponseBytes: 1024 * 1024 });
    const response = await app.request(`/dumps/${SIGNED_DUMP_ID}/messages?limit=500`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(((await response.json()) as { messages: unknown[] }).messages).toHaveLength(500);
  });
});
