/**
 * The API's route tests, declared once and run against every store and host (see the *.test.ts beside this):
 * every route and status, validation naming the parameter at fault, problem details without stacks, the token,
 * the export against `leakproof export`, the OpenAPI document — and every response checked against it.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../../../shared/api/endpoints.ts';
import { messageKeyOf } from '../../../shared/api/message-key.ts';
import { locatorKey } from '../../../shared/dump/entry.ts';
import { senderDomainOf, type EntryRecord, type MessageListing } from '../../../shared/ports/verdict-store.ts';
import { matchesTerms, searchWordsOf } from '../../../shared/search/search-words.ts';
import type { ApiResponse, ApiUnderTest, RequestOptions } from './api-harness.ts';
import { DOCUMENT_ROUTES } from './document-route-suite.ts';
import { ResponseValidator } from './openapi-responses.ts';
import { BIG_DUMP_ID, BIG_SENDER_DOMAINS, BIG_SIGNERS, buildSeed, SIGNED_DUMP_ID, UNKNOWN_DUMP_ID, type Seed } from './seed.ts';

const BIN = resolve('bin/leakproof.js');

type Listed = MessageListing & { key: string };
type Filters = Partial<Record<'verdict' | 'reason' | 'domain' | 'from' | 'after' | 'before' | 'q' | 'sort', string>>;

export function apiRouteSuite(start: (seed: Seed) => Promise<ApiUnderTest>): void {
  let seed: Seed;
  let api: ApiUnderTest;
  let validator: ResponseValidator;

  beforeAll(async () => {
    seed = await buildSeed();
    api = await start(seed);
    const document = JSON.parse((await api.request('GET', '/openapi.json')).text);
    const built = await ResponseValidator.of(document);
    expect(built.errors).toBeNull();
    validator = built.validator;
  });
  afterAll(() => api?.close());

  /** Every request of the suite: its response checked against the document (and, for a problem, for leaks). */
  async function call(method: string, url: string, options?: RequestOptions): Promise<ApiResponse> {
    const response = await api.request(method, url, options);
    validator.check(method, url, response);
    if (response.status >= 400) {
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.text).not.toMatch(/\n\s+at |\.ts:\d|node_modules|Error:/);
    }
    return response;
  }
  const get = (url: string, options?: RequestOptions) => call('GET', url, options);
  /** A POST as a client sends one: its body declared JSON lines, or JSON. */
  const post = (url: string, body = '', contentType = 'application/x-ndjson', options: RequestOptions = {}) =>
    call('POST', url, { ...options, body, headers: { 'content-type': contentType, ...options.headers } });
  const json = (response: ApiResponse) => JSON.parse(response.text);

  async function expectProblem(response: Promise<ApiResponse> | ApiResponse, status: number, parameter?: string) {
    const problem = json(await response);
    expect(problem).toMatchObject({ type: 'about:blank', status, title: expect.any(String), detail: expect.any(String) });
    if (parameter !== undefined) {
      expect(problem.parameter).toBe(parameter);
      expect(problem.detail.startsWith(`${parameter}: `)).toBe(true);
    }
    return problem;
  }

  const entriesOf = (dumpId: string) => (dumpId === SIGNED_DUMP_ID ? seed.signed : seed.big).entries;

  describe('GET /openapi.json', () => {
    it('is a valid OpenAPI 3.1 document describing every route, its responses and problems, and the bearer scheme', async () => {
      const document = json(await get('/openapi.json'));
      expect(document.openapi).toBe('3.1.0');
      expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(document.security).toEqual([{ bearer: [] }]);
      const documented = ENDPOINTS.filter((endpoint) => ['/dumps', '/keys', '/documents', '/explanations'].some((prefix) => endpoint.path.startsWith(prefix)));
      expect(Object.keys(document.paths).sort()).toEqual([...new Set(documented.map((endpoint) => endpoint.path))].sort());
      for (const { method, path } of documented) {
        const operation = document.paths[path][method.toLowerCase()];
        const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
        // One success each, but the export's: 200 where it is streamed (locally), 202 where it is a job (AWS); and its
        // status's: 202 while the job runs, 200 once written when asked with redirect=false (a browser page).
        expect(success, `${method} ${path}`).toEqual(path === '/dumps/{id}/export' || path === '/dumps/{id}/exports/{exportId}' ? ['200', '202'] : [expect.any(String)]);
        for (const status of success) expect(Object.values(operation.responses[status].content)[0]).toHaveProperty('schema');
        for (const status of ['401', '500']) expect(operation.responses[status].content['application/problem+json'].schema).toBeDefined();
      }
      // The parameters the router validates are the ones the document names.
      const listing = document.paths['/dumps/{id}/messages'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
      expect(listing.sort()).toEqual(['path:id', ...['after', 'before', 'cursor', 'domain', 'from', 'limit', 'q', 'reason', 'sort', 'verdict'].map((q) => `query:${q}`)].sort());
    });
  });

  describe('GET /dumps', () => {
    it('lists the dumps newest first with status and progress, as the store has them', async () => {
      const { dumps } = json(await get('/dumps'));
      expect(dumps.map((dump: { id: string }) => dump.id)).toEqual([SIGNED_DUMP_ID, BIG_DUMP_ID]);
      expect(dumps).toEqual(JSON.parse(JSON.stringify(await api.store.listDumps())));
      const signed = dumps[0];
      expect(signed).toMatchObject({ name: 'leak.zip', status: 'complete', messages: 10, skipped: 1, errors: 1, processed: 12, located: 12 });
    });
  });

  describe('GET /dumps/{id}', () => {
    it("answers the dump's summary: counts by verdict, reason, signing and sender domain, month", async () => {
      const summary = json(await get(`/dumps/${SIGNED_DUMP_ID}`));
      expect(summary).toEqual(JSON.parse(JSON.stringify(await api.store.summary(SIGNED_DUMP_ID))));
      expect(summary.byVerdict).toEqual({ verified: 6, 'partially-verified': 1, failed: 1, unverified: 2 });
      expect(summary.byReason).toMatchObject({ 'body-hash-mismatch': 1, 'body-length-limit': 1, 'no-signature': 1, 'key-unavailable': 1 });
      expect(summary.signingDomains[0]).toEqual({ domain: 'campaign.example', messages: 8 });
      expect(summary.senderDomains).toEqual([{ domain: 'campaign.example', messages: 9 }, { domain: 'press.example', messages: 1 }]);
      expect(summary.months.map((m: { month: string }) => m.month)).toEqual(['2016-12', '2017-05', '2017-06']);
      expect(summary.undated).toBe(1);
      expect(summary.dump.id).toBe(SIGNED_DUMP_ID);
    });

    it('refuses an id that is not a SHA-256 with a 400 naming id, and an unknown one with a 404', async () => {
      for (const bad of ['abc', SIGNED_DUMP_ID.toUpperCase(), SIGNED_DUMP_ID.slice(1), `${SIGNED_DUMP_ID}0`, 'g'.repeat(64)]) {
        await expectProblem(get(`/dumps/${bad}`).then((r) => (expect(r.status).toBe(400), r)), 400, 'id');
      }
      const missing = await get(`/dumps/${UNKNOWN_DUMP_ID}`);
      expect(missing.status).toBe(404);
      expect((await expectProblem(missing, 404)).detail).toContain(UNKNOWN_DUMP_ID);
    });
  });

  describe('GET /dumps/{id}/skipped', () => {
    it("lists a dump's skipped files in locator order, the first `limit` (20 by default), with why, and counts them all", async () => {
      const skipped = (dumpId: string) =>
        entriesOf(dumpId)
          .flatMap((entry) => (entry.kind === 'skipped' ? [{ locator: locatorKey(entry.locator), reason: entry.reason }] : []))
          .sort((a, b) => (a.locator < b.locator ? -1 : a.locator > b.locator ? 1 : 0));
      const all = skipped(BIG_DUMP_ID);
      expect(all.length).toBeGreaterThan(20);
      expect(json(await get(`/dumps/${BIG_DUMP_ID}/skipped`))).toEqual({ skipped: all.slice(0, 20), total: all.length });
      expect(json(await get(`/dumps/${BIG_DUMP_ID}/skipped?limit=100`))).toEqual({ skipped: all, total: all.length });
      expect(json(await get(`/dumps/${SIGNED_DUMP_ID}/skipped?limit=5`))).toEqual({ skipped: skipped(SIGNED_DUMP_ID), total: 1 });
    });

    it('refuses a limit outside 1 to 100 (400 limit) and an unknown dump (404)', async () => {
      for (const limit of ['0', '101', 'x']) await expectProblem(get(`/dumps/${SIGNED_DUMP_ID}/skipped?limit=${limit}`), 400, 'limit');
      await expectProblem(get(`/dumps/${UNKNOWN_DUMP_ID}/skipped`), 404);
    });
  });

  /** What a listing must show of an entry, worked out from the seed, not by any store. */
  function listingOf(entry: EntryRecord): Listed | null {
    if (entry.kind === 'skipped' || entry.kind === 'document') return null;
    const locator = locatorKey(entry.locator);
    const key = Buffer.from(locator).toString('base64url');
    if (entry.kind === 'error') {
      return { key, locator, verdict: 'error', reasons: ['parse-error'], messageId: null, from: null, sender: null, date: null, subject: null, signingDomains: [], unsignedShown: [] };
    }
    const signingDomains = [...new Set(entry.signatures.map((s) => s.d?.toLowerCase()).filter((d): d is string => !!d))];
    const { verdict, reasons, messageId, from, sender, date, subject, unsignedShown } = entry;
    return { key, locator, verdict, reasons, messageId, from, sender, date, subject, signingDomains, unsignedShown };
  }

  function expected(dumpId: string, filters: Filters): Listed[] {
    const after = filters.after && new Date(filters.after).toISOString();
    const before = filters.before && new Date(filters.before).toISOString();
    const from = filters.from?.toLowerCase();
    return entriesOf(dumpId)
      .map(listingOf)
      .filter((line): line is Listed => line !== null)
      .filter((line) => filters.verdict === undefined || line.verdict === filters.verdict)
      .filter((line) => filters.reason === undefined || (line.reasons as string[]).includes(filters.reason))
      .filter((line) => filters.domain === undefined || line.signingDomains.includes(filters.domain.toLowerCase()))
      .filter((line) => from === undefined || (from.includes('@') ? line.sender : senderDomainOf(line.sender)) === from)
      .filter((line) => !after || (line.date !== null && line.date >= after))
      .filter((line) => !before || (line.date !== null && line.date < before))
      .sort((a, b) => Buffer.compare(Buffer.from(a.locator), Buffer.from(b.locator)));
  }

  /** Every page of a listing through the API, following `next`; checks each page keeps to the limit. */
  async function walk(dumpId: string, filters: Filters, limit: number): Promise<{ listed: Listed[]; pages: number }> {
    const listed: Listed[] = [];
    let cursor: string | null = null;
    for (let pages = 1; ; pages++) {
      const query = new URLSearchParams({ ...filters, limit: String(limit), ...(cursor ? { cursor } : {}) });
      const response = await get(`/dumps/${dumpId}/messages?${query}`);
      expect(response.status).toBe(200);
      const page = json(response);
      expect(page.messages.length).toBeLessThanOrEqual(limit);
      listed.push(...page.messages);
      cursor = page.next;
      if (cursor === null) return { listed, pages };
      if (pages > 200) throw new Error('the listing never ends');
    }
  }

  describe('GET /dumps/{id}/messages', () => {
    it('lists messages and unreadable entries, not skipped ones, in locator order, 50 to a page by default', async () => {
      const page = json(await get(`/dumps/${SIGNED_DUMP_ID}/messages`));
      expect(page).toEqual({ messages: expected(SIGNED_DUMP_ID, {}), next: null });
      expect(page.messages).toHaveLength(11);
      const first = json(await get(`/dumps/${BIG_DUMP_ID}/messages`));
      expect(first.messages).toHaveLength(50);
      expect(first.next).toEqual(expect.any(String));
    });

    it('filters by verdict, reason, signing domain (any signer), sender address or domain and date, all together', async () => {
      const cases: Filters[] = [
        { verdict: 'failed' },
        { verdict: 'error' },
        { reason: 'body-length-limit' },
        { reason: 'key-unavailable' },
        { domain: 'RELAY.example' },
        { from: 'Carol@Press.Example' },
        { from: 'campaign.example' },
        { after: '2017-05-04T08:00:00Z' },
        { before: '2017-01-01' },
        { after: '2017-05-01', before: '2017-06-01T00:00:00+02:00' },
        { verdict: 'verified', domain: 'campaign.example', from: 'alice@campaign.example', after: '2017-05-05' },
        { verdict: 'verified', reason: 'no-signature' },
      ];
      for (const filters of cases) {
        const page = json(await get(`/dumps/${SIGNED_DUMP_ID}/messages?${new URLSearchParams(filters)}`));
        expect(page.messages, JSON.stringify(filters)).toEqual(expected(SIGNED_DUMP_ID, filters));
      }
      const relayed = json(await get(`/dumps/${SIGNED_DUMP_ID}/messages?domain=relay.example`));
      expect(relayed.messages.map((m: Listed) => m.locator)).toEqual(['inbox/0007.eml']);
    });

    it(`walks a dump of ${2600} messages page by page with no duplicates or gaps, with and without filters`, async () => {
      const walks: [Filters, number][] = [
        [{}, 97],
        [{}, 500],
        [{ verdict: 'partially-verified' }, 50],
        [{ reason: 'weak-key' }, 61],
        [{ domain: BIG_SIGNERS[1] }, 200],
        [{ from: BIG_SENDER_DOMAINS[1] }, 133],
        [{ from: `user4@${BIG_SENDER_DOMAINS[1]}` }, 7],
        [{ after: '2016-06-01', before: '2017-03-01' }, 250],
        [{ verdict: 'verified', domain: BIG_SIGNERS[2], after: '2016-03-01' }, 40],
      ];
      for (const [filters, limit] of walks) {
        const want = expected(BIG_DUMP_ID, filters);
        const { listed, pages } = await walk(BIG_DUMP_ID, filters, limit);
        const locators = listed.map((line) => line.locator);
        expect(new Set(locators).size, `duplicates in ${JSON.stringify(filters)}`).toBe(locators.length);
        expect(listed, JSON.stringify(filters)).toEqual(want);
        expect(pages).toBeGreaterThanOrEqual(Math.ceil(want.length / limit));
      }
      expect(expected(BIG_DUMP_ID, {}).length).toBeGreaterThan(2600);
    });

    it('refuses each bad parameter with a 400 naming it', async () => {
      const base = `/dumps/${SIGNED_DUMP_ID}/messages`;
      const bad: [string, string][] = [
        ['verdict=maybe', 'verdict'],
        ['verdict=verified&verdict=failed', 'verdict'],
        ['reason=bad-vibes', 'reason'],
        ['domain=', 'domain'],
        ['domain=a%20b.example', 'domain'],
        [`from=${'x'.repeat(321)}`, 'from'],
        ['after=2017-13-01', 'after'],
        ['after=2017-05-04T10:00:00', 'after'],
        ['before=yesterday', 'before'],
        ['limit=0', 'limit'],
        ['limit=501', 'limit'],
        ['limit=1.5', 'limit'],
        ['limit=ten', 'limit'],
        ['cursor=', 'cursor'],
        ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
        ['verdicts=failed', 'verdicts'],
      ];
      for (const [query, parameter] of bad) {
        const response = await get(`${base}?${query}`);
        expect(response.status, query).toBe(400);
        await expectProblem(response, 400, parameter);
      }
      await expectProblem(get(`/dumps/not-a-dump/messages`), 400, 'id');
      expect((await get(`/dumps/${UNKNOWN_DUMP_ID}/messages`)).status).toBe(404);
    });

    it('searches Subject, From and Message-ID by word starts, case and diacritics aside, with the filters', async () => {
      const base = `/dumps/${SIGNED_DUMP_ID}/messages`;
      const found = async (query: string) => (json(await get(`${base}?${query}`)).messages as Listed[]).map((line) => line.locator);
      const byAlice = expected(SIGNED_DUMP_ID, {}).filter((line) => line.from?.includes('Alice Martin')).map((line) => line.locator);
      expect(byAlice.length).toBeGreaterThan(1);
      expect(await found('q=MART')).toEqual(byAlice);
      // Diacritics are folded on both sides (the store contract tests more).
      expect(await found(`q=${encodeURIComponent('mârtîn alîce')}`)).toEqual(byAlice);
      expect(await found('q=budg+stone')).toEqual(expected(SIGNED_DUMP_ID, {}).filter((line) => line.subject === 'Budget').map((line) => line.locator));
      expect(await found('q=budg+carol')).toEqual([]);
      // A Message-ID is its words: "5" is too short to count, "example" starts words of every message. Its other
      // words count too: To ("bob@press.example" in most) is in the stored message, not in the listing line.
      const wordsOf = new Map(entriesOf(SIGNED_DUMP_ID).flatMap((entry) => (entry.kind === 'message' ? [[locatorKey(entry.locator), searchWordsOf(entry)] as const] : [])));
      const byPress = expected(SIGNED_DUMP_ID, {}).filter((line) => matchesTerms(wordsOf.get(line.locator) ?? [], ['press'])).map((line) => line.locator);
      expect(byPress.length).toBeGreaterThan(0);
      expect(await found(`q=${encodeURIComponent('<5@press.example>')}`)).toEqual(byPress);
      expect(await found('q=campaign&verdict=failed')).toEqual(expected(SIGNED_DUMP_ID, { verdict: 'failed' }).filter((line) => line.messageId?.includes('campaign')).map((line) => line.locator));
      const bad: [string, string][] = [
        ['q=re', 'q'],
        ['q=the+com', 'q'],
        [`q=${'x'.repeat(257)}`, 'q'],
        [`q=${Array.from({ length: 9 }, (_, i) => `word${i}`).join('+')}`, 'q'],
        ['sort=size', 'sort'],
        ['sort=date&sort=subject', 'sort'],
      ];
      for (const [query, parameter] of bad) await expectProblem(get(`${base}?${query}`), 400, parameter);
    });

    it('sorts by date, from, subject or verdict, with exact cursors (every store)', async () => {
      const sorted = await get(`/dumps/${BIG_DUMP_ID}/messages?sort=-date&limit=1`);
      expect(sorted.status).toBe(200);
      for (const sort of ['date', '-date', 'from', '-subject', 'verdict']) {
        const { listed } = await walk(BIG_DUMP_ID, { sort } as Filters, 211);
        const descending = sort.startsWith('-');
        const key = (line: Listed) => {
          const by = sort.replace('-', '');
          return by === 'date' ? (line.date ?? '') : by === 'from' ? (line.sender ?? '') : by === 'subject' ? (line.subject ?? '').toLowerCase() : ['verified', 'partially-verified', 'failed', 'unverified', 'error'].indexOf(line.verdict);
        };
        const order = (a: Listed, b: Listed) => {
          const [x, y] = [key(a), key(b)];
          const byKey = x < y ? -1 : x > y ? 1 : 0;
          return (byKey || Buffer.compare(Buffer.from(a.locator), Buffer.from(b.locator))) * (descending ? -1 : 1);
        };
        expect(listed.map((line) => line.locator), sort).toEqual([...expected(BIG_DUMP_ID, {})].sort(order).map((line) => line.locator));
      }
      const first = json(sorted);
      await expectProblem(get(`/dumps/${BIG_DUMP_ID}/messages?sort=date&cursor=${first.next}`), 400, 'cursor');
    });
  });

  describe('GET /dumps/{id}/messages/{messageKey}', () => {
    it('answers each listed message with its headers of interest, full evidence and history, as stored', async () => {
      const { messages } = json(await get(`/dumps/${SIGNED_DUMP_ID}/messages`));
      for (const line of messages as Listed[]) {
        const response = await get(`/dumps/${SIGNED_DUMP_ID}/messages/${line.key}`);
        expect(response.status).toBe(200);
        const detail = json(response);
        const stored = (await api.store.getEntry(SIGNED_DUMP_ID, line.locator))!;
        expect(detail).toMatchObject(line);
        if (stored.kind === 'message') {
          expect(detail).toMatchObject({ kind: 'message', sha256: stored.sha256, detail: stored.detail, verifiedAt: stored.verifiedAt, receivedAt: stored.receivedAt, rulesVersion: stored.rulesVersion });
          expect(detail.signatures).toEqual(JSON.parse(JSON.stringify(stored.signatures)));
          expect(detail.history).toEqual(stored.history);
        } else {
          expect(detail).toMatchObject({ kind: 'error', verdict: 'error', detail: 'not a message: no header section', signatures: [], history: [], rulesVersion: null });
        }
      }
      const history = json(await get(`/dumps/${SIGNED_DUMP_ID}/messages/${messageKeyOf('history/0010.eml')}`));
      expect(history.history).toEqual([expect.objectContaining({ verdict: 'unverified', cause: 'new-key' })]);
      const failed = json(await get(`/dumps/${SIGNED_DUMP_ID}/messages/${messageKeyOf('inbox/0002.eml')}`));
      expect(failed.signatures[0]).toMatchObject({ d: 'campaign.example', s: 's2017', status: 'body-hash-mismatch', bodyHash: 'fail', key: { keyType: 'rsa', bits: 2048 } });
    });

    it('refuses a malformed key with a 400 naming messageKey, and an unknown or skipped entry with a 404', async () => {
      for (const bad of ['a', 'aGVsbG8=', 'bad*key', '_w']) {
        const response = await get(`/dumps/${SIGNED_DUMP_ID}/messages/${encodeURIComponent(bad)}`);
        expect(response.status, bad).toBe(400);
        await expectProblem(response, 400, 'messageKey');
      }
      for (const locator of ['inbox/9999.eml', 'images/logo.png']) {
        expect((await get(`/dumps/${SIGNED_DUMP_ID}/messages/${messageKeyOf(locator)}`)).status, locator).toBe(404);
      }
      expect((await get(`/dumps/${UNKNOWN_DUMP_ID}/messages/${messageKeyOf('inbox/0001.eml')}`)).status).toBe(404);
      await expectProblem(get(`/dumps/${SIGNED_DUMP_ID.slice(2)}/messages/${messageKeyOf('inbox/0001.eml')}`), 400, 'id');
    });

    it('words the verdict and its reasons plainly', async () => {
      const failed = json(await get(`/dumps/${SIGNED_DUMP_ID}/messages/${messageKeyOf('inbox/0002.eml')}`));
      expect(failed.explanation).toContain('The headers are genuine, but the body was changed after it was sent.');
    });
  });

  // The view and the original read the dump again: this suite's hosts have no dump to read (document-route-suite.ts
  // serves real ones), so what is checked here is that they refuse rather than guess.
  describe('GET /dumps/{id}/messages/{messageKey}/view and …/original', () => {
    it('answers 409 when the server cannot read the message again, 404 for what is not a stored message, 400 for a bad key', async () => {
      const { messages } = json(await get(`/dumps/${SIGNED_DUMP_ID}/messages?verdict=error`));
      for (const suffix of ['view', 'original']) {
        const conflict = await get(`/dumps/${SIGNED_DUMP_ID}/messages/${messageKeyOf('inbox/0001.eml')}/${suffix}`);
        expect(conflict.status, suffix).toBe(409);
        expect((await expectProblem(conflict, 409)).detail).toMatch(/cannot read the dumps|could not be read again/);
        expect((await get(`/dumps/${SIGNED_DUMP_ID}/messages/${messages[0].key}/${suffix}`)).status, `${suffix} of an unreadable entry`).toBe(404);
        expect((await get(`/dumps/${SIGNED_DUMP_ID}/messages/${messageKeyOf('inbox/9999.eml')}/${suffix}`)).status).toBe(404);
        await expectProblem(get(`/dumps/${SIGNED_DUMP_ID}/messages/bad*key/${suffix}`), 400, 'messageKey');
      }
    });
  });

  describe('GET /explanations', () => {
    it('answers one plain sentence for every verdict, reason and provenance', async () => {
      const words = json(await get('/explanations'));
      expect(Object.keys(words.verdicts).sort()).toEqual(['error', 'failed', 'partially-verified', 'unverified', 'verified']);
      expect(words.reasons['body-hash-mismatch']).toBe('The headers are genuine, but the body was changed after it was sent.');
      expect(words.reasons['arc-attested']).toMatch(/not proof/);
      expect(Object.keys(words.provenances).sort()).toEqual(['altered-copy', 'partially-proven', 'proven', 'unproven']);
      if (api.token) expect((await get('/explanations', { withoutToken: true })).status).toBe(401);
    });
  });

  describe('GET /dumps/{id}/export', () => {
    /** `leakproof export` on a SQLite home holding the same records. */
    function cliExport(dumpId: string, format: string, flags: string[] = []): Buffer {
      const run = spawnSync(process.execPath, [BIN, 'export', '--dump', dumpId, '--format', format, ...flags, '--home', api.referenceHome], { maxBuffer: 1 << 28 });
      expect(run.status, run.stderr.toString()).toBe(0);
      return run.stdout;
    }

    interface Download {
      body: Buffer;
      contentType: string | null;
      disposition: string | null;
    }

    /**
     * The export as a client gets it: the response itself where the host streams it; where it runs a job (AWS),
     * the 202's Location asked (202 while the job waits), the job run, Location asked again: a 303 whose Location
     * is followed, with no credentials of ours, after checking where it points and what was stored.
     */
    async function download(dumpId: string, query = ''): Promise<Download> {
      const response = await get(`/dumps/${dumpId}/export${query}`);
      if (api.exportJobs === null) {
        expect(response.status).toBe(200);
        return { body: response.body, contentType: response.headers.get('content-type'), disposition: response.headers.get('content-disposition') };
      }
      expect(response.status).toBe(202);
      const accepted = json(response);
      const status = response.headers.get('location')!;
      expect(status).toMatch(new RegExp(`^/dumps/${dumpId}/exports/[0-9a-f]{32}$`));
      expect(accepted).toMatchObject({ id: status.split('/').at(-1), status: 'queued', statusUrl: status, records: 0, bytes: 0 });
      const waiting = await get(status);
      expect(waiting.status).toBe(202);
      expect(json(waiting)).toMatchObject({ status: 'queued' });
      await api.exportJobs.runJobs();
      const asked = Date.now();
      const done = await get(status);
      expect(done.status).toBe(303);
      const delivered = json(done);
      expect(done.headers.get('location')).toBe(delivered.url);
      // Valid 15 minutes from when it was asked for.
      const lifetime = Date.parse(delivered.expiresAt) - asked;
      expect(lifetime).toBeGreaterThan(15 * 60_000 - 60_000);
      expect(lifetime).toBeLessThanOrEqual(15 * 60_000 + 60_000);
      // The page's form of the same answer (redirect=false): a 200 with the 303's body, a URL of its own.
      const unredirected = await get(`${status}?redirect=false`);
      expect(unredirected.status).toBe(200);
      expect(unredirected.headers.get('location')).toBeNull();
      expect(json(unredirected)).toMatchObject({ records: delivered.records, bytes: delivered.bytes, finishedAt: delivered.finishedAt });
      const location = new URL(delivered.url);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('900');
      // S3 is asked to answer as an attachment whatever the object says: the page navigates to the URL to download it.
      expect(location.searchParams.get('response-content-disposition')).toMatch(/^attachment; filename="leakproof-[0-9a-f]{12}\.(jsonl|csv)"$/);
      expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      // Path-style against the emulator: /<bucket>/exports/<dump id>/<export id>.<format>
      const [, bucket, ...rest] = location.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      expect(bucket).toBe(api.exportJobs.bucket);
      const format = new URLSearchParams(query).get('format') ?? 'jsonl';
      expect(key).toBe(`exports/${dumpId}/${accepted.id}.${format}`);
      const stored = await api.exportJobs.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const fetched = await fetch(location, { redirect: 'error' });
      expect(fetched.status).toBe(200);
      const body = Buffer.from(await fetched.arrayBuffer());
      expect(stored.ContentLength).toBe(body.length);
      expect(delivered.bytes).toBe(body.length);
      expect(fetched.headers.get('content-type')).toBe(stored.ContentType);
      expect(fetched.headers.get('content-disposition')).toBe(stored.ContentDisposition);
      return { body, contentType: stored.ContentType ?? null, disposition: stored.ContentDisposition ?? null };
    }

    it('gives the same bytes as `leakproof export`, as JSON lines (the default) and CSV, as an attachment', async () => {
      for (const format of ['jsonl', 'csv']) {
        const exported = await download(SIGNED_DUMP_ID, `?format=${format}`);
        expect(exported.contentType).toBe(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
        expect(exported.disposition).toBe(`attachment; filename="leakproof-${SIGNED_DUMP_ID.slice(0, 12)}.${format}"`);
        expect(exported.body.equals(cliExport(SIGNED_DUMP_ID, format)), format).toBe(true);
      }
      const byDefault = await download(SIGNED_DUMP_ID);
      expect(byDefault.body.toString('utf8').split('\n').slice(0, -1).map((line) => JSON.parse(line).locator)).toEqual(expected(SIGNED_DUMP_ID, {}).map((l) => l.locator));
    });

    it("honours the listing's filters, as `leakproof export` does with the same flags", async () => {
      const cases: Filters[] = [{ verdict: 'failed' }, { reason: 'body-length-limit' }, { domain: 'campaign.example', after: '2017-05-01' }, { from: 'press.example', format: 'csv' } as Filters];
      for (const { format = 'jsonl', ...filters } of cases as (Filters & { format?: string })[]) {
        const query = new URLSearchParams({ format, ...filters });
        const exported = await download(SIGNED_DUMP_ID, `?${query}`);
        const wanted = expected(SIGNED_DUMP_ID, filters).map((line) => line.locator);
        expect(wanted.length, query.toString()).toBeGreaterThan(0);
        if (format === 'jsonl') expect(exported.body.toString('utf8').split('\n').slice(0, -1).map((line) => JSON.parse(line).locator), query.toString()).toEqual(wanted);
        else expect(exported.body.toString('utf8').trimEnd().split('\n').length, query.toString()).toBe(wanted.length + 1);
        const flags = Object.entries(filters).flatMap(([name, value]) => [`--${name}`, value!]);
        expect(exported.body.equals(cliExport(SIGNED_DUMP_ID, format, flags)), query.toString()).toBe(true);
      }
      await expectProblem(get(`/dumps/${SIGNED_DUMP_ID}/export?verdict=maybe`), 400, 'verdict');
      await expectProblem(get(`/dumps/${SIGNED_DUMP_ID}/export?after=yesterday`), 400, 'after');
    });

    it('exports a large dump whole', async () => {
      for (const format of ['jsonl', 'csv']) {
        const exported = await download(BIG_DUMP_ID, `?format=${format}`);
        expect(exported.body.equals(cliExport(BIG_DUMP_ID, format)), format).toBe(true);
      }
    });

    it('refuses an unknown format (400 format), a bad id (400 id) and an unknown dump (404)', async () => {
      await expectProblem(get(`/dumps/${SIGNED_DUMP_ID}/export?format=xml`), 400, 'format');
      await expectProblem(get(`/dumps/${SIGNED_DUMP_ID}/export?format=csv&gzip=1`), 400, 'gzip');
      await expectProblem(get(`/dumps/xyz/export`), 400, 'id');
      const missing = await get(`/dumps/${UNKNOWN_DUMP_ID}/export`);
      expect(missing.status).toBe(404);
    });

    it("answers an export's status only under its own dump, and only for an id it gave", async () => {
      const exportId = '0123456789abcdef'.repeat(2);
      await expectProblem(get(`/dumps/${SIGNED_DUMP_ID}/exports/${exportId}`), 404);
      await expectProblem(get(`/dumps/${SIGNED_DUMP_ID}/exports/${exportId.toUpperCase()}`), 400, 'exportId');
      if (api.exportJobs === null) return;
      const given = (await get(`/dumps/${SIGNED_DUMP_ID}/export`)).headers.get('location')!;
      expect((await get(given)).status).toBe(202);
      // The same export id under the other dump is no export.
      await expectProblem(get(given.replace(SIGNED_DUMP_ID, BIG_DUMP_ID)), 404);
      await api.exportJobs.runJobs();
      expect((await get(given)).status).toBe(303);
    });
  });

  describe('GET /keys and POST /keys', () => {
    it("lists a domain's archived keys, by selector, the domain lower-cased", async () => {
      const response = await get('/keys?domain=Campaign.Example');
      expect(response.status).toBe(200);
      const body = json(response);
      expect(body.domain).toBe('campaign.example');
      expect(body.keys.map((k: { selector: string }) => k.selector)).toEqual(['old', 's2017']);
      expect(body.keys[1]).toMatchObject({ domain: 'campaign.example', value: seed.keys[0]!.value, firstSeenAt: '2017-01-01T00:00:00.000Z', source: 'seed' });
      expect(json(await get('/keys?domain=nobody.example'))).toEqual({ domain: 'nobody.example', keys: [] });
    });

    it('refuses a missing or blank domain, and unknown parameters, with a 400 naming them', async () => {
      await expectProblem(get('/keys'), 400, 'domain');
      await expectProblem(get('/keys?domain='), 400, 'domain');
      await expectProblem(get('/keys?domain=a.example&selector=s1'), 400, 'selector');
    });

    it('imports JSON lines as `leakproof keys import` does: bad lines reported and skipped, then says what the keys affect', async () => {
      const lines = [
        JSON.stringify({ domain: 'Imported.Example', selector: 'Sel1', value: 'v=DKIM1; k=rsa; p=MIIBimported1', firstSeenAt: 1_500_000_000 }),
        '{"domain": "imported.example", "selector": "broken"',
        JSON.stringify({ domain: 'imported.example', selector: 'sel2', value: 'v=DKIM1; k=rsa; p=MIIBimported2', source: 'zk-archive' }),
        JSON.stringify({ domain: 'imported.example', value: 'v=DKIM1; p=x' }),
      ].join('\r\n');
      const response = await post('/keys', lines);
      expect(response.status).toBe(200);
      const result = json(response);
      expect(result).toMatchObject({ imported: 2, rejected: 2 });
      expect(result.errors).toEqual([expect.stringMatching(/^line 2: not JSON/), 'line 4: missing "selector"']);
      expect(result.selectors).toEqual([{ domain: 'imported.example', selector: 'sel1' }, { domain: 'imported.example', selector: 'sel2' }]);
      if (api.reverifier) {
        expect(api.reverifier.imports.at(-1)).toEqual(result.selectors);
        expect(result.reverification).toEqual({ affected: 4, dumps: [], queued: false });
      }
      const listed = json(await get('/keys?domain=imported.example')).keys;
      expect(listed.map((k: { selector: string; source: string }) => `${k.selector} ${k.source}`)).toEqual(['sel1 api', 'sel2 zk-archive']);
      expect(listed[0].firstSeenAt).toBe('2017-07-14T02:40:00.000Z');
    });

    it('imports one JSON array too', async () => {
      const keys = [{ domain: 'array.example', selector: 'a1', value: 'v=DKIM1; k=rsa; p=MIIBarray' }];
      const response = await post('/keys', JSON.stringify(keys), 'application/json; charset=utf-8');
      expect(json(response)).toMatchObject({ imported: 1, rejected: 0, errors: [] });
      expect(json(await get('/keys?domain=array.example')).keys).toHaveLength(1);
    });

    it('refuses a body with no valid record (400 body) and one over 5 MiB (413)', async () => {
      await expectProblem(post('/keys', ''), 400, 'body');
      const bad = await post('/keys', '{"domain":"x.example"}\nnot json\n');
      expect((await expectProblem(bad, 400, 'body')).detail).toContain('line 1: missing "selector"');
      const huge = await post('/keys', `${JSON.stringify({ domain: 'big.example', selector: 's', value: 'p='.padEnd(1000, 'A') })}\n`.repeat(5300));
      expect(huge.status).toBe(413);
      await expectProblem(huge, 413);
      expect(json(await get('/keys?domain=big.example')).keys).toEqual([]);
    });

    it('refuses a body not declared JSON (415), as an HTML form on another site would send it, importing nothing', async () => {
      const record = JSON.stringify({ domain: 'form.example', selector: 'f1', value: 'v=DKIM1; k=rsa; p=MIIBform' });
      const imports = api.reverifier?.imports.length;
      for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'text/json']) {
        const refused = await post('/keys', record, contentType);
        expect(refused.status, contentType).toBe(415);
        await expectProblem(refused, 415);
      }
      expect((await call('POST', '/keys', { body: record })).status, 'fetch: text/plain by default').toBe(415);
      expect((await call('POST', '/keys', { body: Buffer.from(record) })).status, 'no content type').toBe(415);
      expect(json(await get('/keys?domain=form.example')).keys).toEqual([]);
      expect(api.reverifier?.imports.length).toBe(imports);
      expect((await post('/keys', record, 'Application/X-NDJSON; charset=utf-8')).status).toBe(200);
    });
  });

  describe('POST /dumps/{id}/reverify', () => {
    it('asks the reverifier for a run of that dump and answers 202 with its receipt', async () => {
      const response = await post(`/dumps/${SIGNED_DUMP_ID}/reverify`, '', 'application/json');
      expect(response.status).toBe(202);
      const receipt = json(response);
      expect(receipt.dumpId).toBe(SIGNED_DUMP_ID);
      if (api.reverifier) {
        expect(receipt).toEqual({ dumpId: SIGNED_DUMP_ID, status: 'done', selected: 3, changed: 1 });
        expect(api.reverifier.dumps).toEqual([SIGNED_DUMP_ID]);
      } else {
        // The host's own reverifier: a run done on the spot knows what changed; a queued one not yet.
        expect(receipt.changed).toEqual(receipt.status === 'queued' ? null : expect.any(Number));
      }
    });

    it('refuses a bad id (400 id) and an unknown dump (404) without asking the reverifier', async () => {
      const before = api.reverifier?.dumps.length;
      await expectProblem(post('/dumps/nope/reverify'), 400, 'id');
      const missing = await post(`/dumps/${UNKNOWN_DUMP_ID}/reverify`);
      expect(missing.status).toBe(404);
      expect(api.reverifier?.dumps.length).toBe(before);
    });

    it('refuses a request not declared JSON (415) without asking the reverifier', async () => {
      const before = api.reverifier?.dumps.length;
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
        await expectProblem(post(`/dumps/${SIGNED_DUMP_ID}/reverify`, '', contentType), 415);
      }
      await expectProblem(call('POST', `/dumps/${SIGNED_DUMP_ID}/reverify`), 415);
      expect(api.reverifier?.dumps.length).toBe(before);
    });
  });

  describe('the report page', () => {
    it('is served at / with its files under /report/', async () => {
      const page = await get('/');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      // Its own scripts only: markup smuggled into a subject could not run.
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      const scripts = [...page.text.matchAll(/(?:src|href)="(report\/[^"]+)"/g)].map((match) => match[1]!);
      expect(scripts.length).toBeGreaterThan(0);
      for (const file of scripts) {
        const response = await get(`/${file}`);
        expect(response.status, file).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^(text\/css|text\/javascript)/);
      }
    });

    it('serves nothing else from disk', async () => {
      for (const path of ['/report/nope.js', '/report/..%2F..%2Fpackage.json', '/report/%2e%2e/create-api.ts', '/report/.hidden.js', '/report/report.ts']) {
        expect((await get(path)).status, path).toBe(404);
      }
    });
  });

  describe('errors', () => {
    it('answers a path no route has with a 404 problem (where requests reach the router at all)', async () => {
      if (!api.reachesUnknownPaths) return;
      await expectProblem(get('/secrets'), 404);
      await expectProblem(call('DELETE', `/dumps/${SIGNED_DUMP_ID}`), 404);
    });

    it('asks for the bearer token, when the host has one, on every route but the page and the document', async () => {
      if (api.token === null) return;
      for (const [method, url] of [['GET', '/dumps'], ['GET', `/dumps/${SIGNED_DUMP_ID}/messages`], ['POST', '/keys'], ['POST', `/dumps/${SIGNED_DUMP_ID}/reverify`]] as const) {
        const missing = await call(method, url, { withoutToken: true });
        expect(missing.status, `${method} ${url}`).toBe(401);
        expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="leakproof"');
        await expectProblem(missing, 401);
        expect((await call(method, url, { withoutToken: true, headers: { authorization: `Bearer ${api.token}x` } })).status).toBe(401);
        expect((await call(method, url, { withoutToken: true, headers: { authorization: `Basic ${api.token}` } })).status).toBe(401);
      }
      expect((await get('/dumps', { withoutToken: true, headers: { authorization: `bearer ${api.token}` } })).status).toBe(200);
      for (const url of ['/', '/openapi.json']) expect((await get(url, { withoutToken: true })).status, url).toBe(200);
    });
  });

  it('checked a response of every documented route against the document', () => {
    const routes = new Set([...validator.checked].map((checked) => checked.split(' ').slice(0, 2).join(' ')));
    for (const { method, path } of ENDPOINTS) {
      // The document routes have a suite of their own (document-route-suite.ts), which checks them so.
      if ((path.startsWith('/dumps') || path.startsWith('/keys')) && !DOCUMENT_ROUTES.includes(path)) expect(routes, `${method} ${path}`).toContain(`${method} ${path}`);
    }
  });
}
