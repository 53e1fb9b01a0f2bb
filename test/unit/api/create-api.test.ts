/** What the router does whatever the store: failures as problems without details, the token, the headers. */
import { describe, expect, it } from 'vitest';
import { createApi, type ApiDependencies } from '../../../shared/api/create-api.ts';
import type { ExportJob, ExportJobs, ExportState } from '../../../shared/ports/export-delivery.ts';
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

/** Export jobs that record what was asked, and answer each export's state from a table the test fills in. */
class RecordingExportJobs implements ExportJobs {
  readonly started: ExportJob[] = [];
  readonly asked: { dumpId: string; exportId: string }[] = [];
  readonly states = new Map<string, ExportState>();

  async start(dumpId: string, format: ExportJob['format']): Promise<ExportJob> {
    const job = { dumpId, exportId: String(this.started.length).padStart(32, 'a'), format };
    this.started.push(job);
    return job;
  }

  async state(dumpId: string, exportId: string): Promise<ExportState | null> {
    this.asked.push({ dumpId, exportId });
    return this.states.get(`${dumpId}/${exportId}`) ?? null;
  }
}

describe('an export, where the host runs it as a job (AWS)', () => {
  const dumpStore = { listMessages: async (id: string) => (id === SIGNED_DUMP_ID ? { messages: [], cursor: null } : null) } as unknown as VerdictStore;
  const EXPORT_ID = 'b'.repeat(32);
  const statusPath = `/dumps/${SIGNED_DUMP_ID}/exports/${EXPORT_ID}`;

  it('answers 202 with the status resource in Location, having started one job of that dump and format', async () => {
    const jobs = new RecordingExportJobs();
    const { app } = api({ store: dumpStore, exportJobs: jobs });
    const response = await app.request(`/dumps/${SIGNED_DUMP_ID}/export?format=csv`);
    expect(response.status).toBe(202);
    const exportId = 'a'.repeat(31) + '0';
    const location = `/dumps/${SIGNED_DUMP_ID}/exports/${exportId}`;
    expect(response.headers.get('location')).toBe(location);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toMatchObject({ id: exportId, status: 'queued', statusUrl: location, updatedAt: null, records: 0, bytes: 0 });
    expect(jobs.started).toEqual([{ dumpId: SIGNED_DUMP_ID, exportId, format: 'csv' }]);
  });

  it('checks the parameters and the dump first: nothing is started for a 400 or a 404', async () => {
    const jobs = new RecordingExportJobs();
    const { app } = api({ store: dumpStore, exportJobs: jobs });
    expect((await app.request(`/dumps/${SIGNED_DUMP_ID}/export?format=xml`)).status).toBe(400);
    expect((await app.request(`/dumps/nope/export`)).status).toBe(400);
    expect((await app.request(`/dumps/${'0'.repeat(64)}/export`)).status).toBe(404);
    expect(jobs.started).toEqual([]);
  });

  it('answers the status: 202 with progress while queued or running, 303 to the download when done', async () => {
    const jobs = new RecordingExportJobs();
    const { app } = api({ store: dumpStore, exportJobs: jobs });
    const key = `${SIGNED_DUMP_ID}/${EXPORT_ID}`;
    jobs.states.set(key, { status: 'queued', requestedAt: '2025-03-03T00:00:00.000Z' });
    let response = await app.request(statusPath);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ id: EXPORT_ID, status: 'queued', statusUrl: statusPath, requestedAt: '2025-03-03T00:00:00.000Z', updatedAt: null, records: 0, bytes: 0 });

    jobs.states.set(key, { status: 'running', requestedAt: '2025-03-03T00:00:00.000Z', updatedAt: '2025-03-03T00:00:10.000Z', records: 1200, bytes: 3_400_000 });
    response = await app.request(statusPath);
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(statusPath);
    expect(await response.json()).toMatchObject({ status: 'running', updatedAt: '2025-03-03T00:00:10.000Z', records: 1200, bytes: 3_400_000 });

    const url = 'https://bucket.s3.example/exports/x.csv?X-Amz-Signature=abc';
    jobs.states.set(key, { status: 'done', requestedAt: '2025-03-03T00:00:00.000Z', finishedAt: '2025-03-03T00:01:00.000Z', records: 5000, bytes: 9_000_000, download: { url, expiresAt: '2025-03-03T00:16:00.000Z' } });
    response = await app.request(statusPath);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(url);
    expect(await response.json()).toEqual({ url, expiresAt: '2025-03-03T00:16:00.000Z', records: 5000, bytes: 9_000_000, finishedAt: '2025-03-03T00:01:00.000Z' });
  });

  it('answers the status as JSON without the redirect when asked with redirect=false (a browser page): 200 with the 303\'s body', async () => {
    const jobs = new RecordingExportJobs();
    const { app } = api({ store: dumpStore, exportJobs: jobs });
    const key = `${SIGNED_DUMP_ID}/${EXPORT_ID}`;
    jobs.states.set(key, { status: 'running', requestedAt: '2025-03-03T00:00:00.000Z', updatedAt: '2025-03-03T00:00:10.000Z', records: 7, bytes: 70 });
    // Not written yet: the same 202 as without it.
    let response = await app.request(`${statusPath}?redirect=false`);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'running', records: 7, bytes: 70 });

    const url = 'https://bucket.s3.example/exports/x.csv?X-Amz-Signature=abc';
    const download = { url, expiresAt: '2025-03-03T00:16:00.000Z' };
    jobs.states.set(key, { status: 'done', requestedAt: '2025-03-03T00:00:00.000Z', finishedAt: '2025-03-03T00:01:00.000Z', records: 5000, bytes: 9_000_000, download });
    response = await app.request(`${statusPath}?redirect=false`);
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.json()).toEqual({ url, expiresAt: '2025-03-03T00:16:00.000Z', records: 5000, bytes: 9_000_000, finishedAt: '2025-03-03T00:01:00.000Z' });
    // redirect=true is the default: the 303.
    response = await app.request(`${statusPath}?redirect=true`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(url);

    // A failed export is the same problem either way; anything else for redirect is a 400 naming it.
    jobs.states.set(key, { status: 'failed', requestedAt: '2025-03-03T00:00:00.000Z', reason: 'the export did not fit in one run' });
    response = await app.request(`${statusPath}?redirect=false`);
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ detail: `export ${EXPORT_ID} failed: the export did not fit in one run` });
    response = await app.request(`${statusPath}?redirect=no`);
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('redirect');
  });

  it('answers a failed export with a problem giving the reason', async () => {
    const jobs = new RecordingExportJobs();
    const { app, logged } = api({ store: dumpStore, exportJobs: jobs });
    jobs.states.set(`${SIGNED_DUMP_ID}/${EXPORT_ID}`, { status: 'failed', requestedAt: '2025-03-03T00:00:00.000Z', reason: 'the export did not fit in one run' });
    const response = await app.request(statusPath);
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 500, detail: `export ${EXPORT_ID} failed: the export did not fit in one run` });
    expect(logged).toEqual([]);
  });

  it('is a 404 for an export the dump does not have, and a 400 for what is no export id', async () => {
    const jobs = new RecordingExportJobs();
    const { app } = api({ store: dumpStore, exportJobs: jobs });
    jobs.states.set(`${SIGNED_DUMP_ID}/${EXPORT_ID}`, { status: 'queued', requestedAt: '2025-03-03T00:00:00.000Z' });
    const otherDump = 'c'.repeat(64);
    expect((await app.request(`/dumps/${otherDump}/exports/${EXPORT_ID}`)).status).toBe(404);
    expect(jobs.asked).toEqual([{ dumpId: otherDump, exportId: EXPORT_ID }]);
    for (const bad of ['B'.repeat(32), 'b'.repeat(31), 'b'.repeat(33), 'x']) {
      expect((await app.request(`/dumps/${SIGNED_DUMP_ID}/exports/${bad}`)).status, bad).toBe(400);
    }
    expect(jobs.asked).toHaveLength(1);
  });

  it('is a 404 on a host that streams its exports (leakproof serve): it has no export jobs', async () => {
    const { app } = api({ store: dumpStore });
    const response = await app.request(statusPath);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
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
