/**
 * The document routes (issue 11 §6) and the message detail's attachments and variants, declared once and run
 * against each store (see routes-documents-*.test.ts): two dumps ingested as folders of real files — the
 * original mailbox (a verified message carrying a spreadsheet, a loose copy of it, an unrelated file) and a
 * leak (an altered copy of that message, an altered spreadsheet under the genuine name, another copy of the
 * genuine one) — settled as an ingest settles them, and every response checked against the OpenAPI document.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKeyOf } from '../../../shared/api/message-key.ts';
import type { DocumentRecord, EntryRecord, VerdictStore } from '../../../shared/ports/verdict-store.ts';
import { settleProvenance } from '../../../shared/provenance/settle-provenance.ts';
import { documentEntry, dumpInput, sha256Of } from '../../helpers/store-records.ts';
import { tamper } from '../../helpers/messages.ts';
import { AT, attachmentOf, documentFacts, FORGED_SPREADSHEET, metadata, sha256, signedCarrier, SPREADSHEET, verifiedRecord } from '../provenance/fixtures.ts';
import type { ApiResponse } from './api-harness.ts';
import { ResponseValidator } from './openapi-responses.ts';

/** The routes this suite answers for (the main route suite leaves them to it). */
export const DOCUMENT_ROUTES = ['/dumps/{id}/documents', '/dumps/{id}/documents/{documentKey}', '/documents/{sha256}'];

export const ORIGINAL = sha256Of('document routes: the original mailbox');
export const LEAK = sha256Of('document routes: the leak');
const NAME = 'comptes.xlsx';

export interface DocumentApiUnderTest {
  store: VerdictStore;
  request(method: string, url: string): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** Writes the two dumps as folders under `root` and stores their records as an ingest of them would. */
export async function seedDocumentDumps(store: VerdictStore, root: string): Promise<void> {
  const files = (dump: string, entries: [string, Buffer][]) => {
    for (const [path, bytes] of entries) {
      mkdirSync(dirname(join(root, dump, path)), { recursive: true });
      writeFileSync(join(root, dump, path), bytes);
    }
  };
  const genuine = await signedCarrier('verified', SPREADSHEET, NAME, { path: 'inbox/1.eml' });
  // Signed (with another spreadsheet), then its text altered: the copy keeps the signature and fails it.
  const signed = await signedCarrier('verified', FORGED_SPREADSHEET, NAME, { path: 'leak/1.eml' });
  const alteredBytes = tamper(signed.bytes, 'The accounts are attached.', 'The corrected accounts are attached.');
  const altered = await verifiedRecord(alteredBytes, 'leak/1.eml');
  const document = (path: string, file: Buffer, meta: ReturnType<typeof metadata> | null = null): DocumentRecord => ({ ...documentEntry(path, ''), ...documentFacts(file, path.split('/').pop()!, meta) });
  const unrelated = Buffer.from('%PDF-1.4 nothing else holds these bytes');

  files('original', [['inbox/1.eml', genuine.bytes], ['docs/copy.xlsx', SPREADSHEET], ['docs/notes.pdf', unrelated]]);
  files('leak', [['leak/1.eml', alteredBytes], [`docs/${NAME}`, FORGED_SPREADSHEET], ['docs/again.xlsx', SPREADSHEET]]);
  const dumps: [string, string, EntryRecord[]][] = [
    [ORIGINAL, 'original', [{ ...genuine.record, attachments: [attachmentOf(genuine.record, SPREADSHEET, NAME, { metadata: metadata({ lastModifiedBy: 'Alice Martin' }) })] }, document('docs/copy.xlsx', SPREADSHEET), { ...document('docs/notes.pdf', unrelated), detectedType: 'application/pdf' }]],
    [LEAK, 'leak', [{ ...altered, attachments: [attachmentOf(altered, FORGED_SPREADSHEET, NAME)] }, document(`docs/${NAME}`, FORGED_SPREADSHEET, metadata({ lastModifiedBy: 'M. Mallory' })), document('docs/again.xlsx', SPREADSHEET)]],
  ];
  for (const [id, folder, entries] of dumps) {
    await store.openDump(dumpInput(id, { name: folder, source: join(root, folder) }), AT);
    await store.putEntries(id, entries);
    await store.setStatus(id, 'complete', AT);
    await settleProvenance(store, id, AT);
  }
}

export function documentRouteSuite(start: () => Promise<DocumentApiUnderTest>): void {
  let api: DocumentApiUnderTest;
  let validator: ResponseValidator;

  beforeAll(async () => {
    api = await start();
    const built = await ResponseValidator.of(JSON.parse((await api.request('GET', '/openapi.json')).text));
    expect(built.errors).toBeNull();
    validator = built.validator;
  });
  afterAll(() => api?.close());

  async function get(url: string): Promise<ApiResponse> {
    const response = await api.request('GET', url);
    validator.check('GET', url, response);
    return response;
  }
  const json = async (url: string, status = 200) => {
    const response = await get(url);
    expect(response.status, `${url}: ${response.text}`).toBe(status);
    return JSON.parse(response.text);
  };
  const key = messageKeyOf;

  describe('GET /dumps/{id} (documents)', () => {
    it('counts the documents and how many each provenance has', async () => {
      expect(await json(`/dumps/${LEAK}`)).toMatchObject({ documents: 2, byProvenance: { proven: 1, 'altered-copy': 1 }, dump: { documents: 2, messages: 1, processed: 3 } });
      expect(await json(`/dumps/${ORIGINAL}`)).toMatchObject({ documents: 2, byProvenance: { proven: 1, unproven: 1 } });
    });
  });

  describe('GET /dumps/{id}/documents', () => {
    it('lists the documents in locator order with their keys and settled provenance', async () => {
      expect(await json(`/dumps/${LEAK}/documents`)).toEqual({
        documents: [
          { key: key('docs/again.xlsx'), locator: 'docs/again.xlsx', name: 'again.xlsx', size: SPREADSHEET.length, sha256: sha256(SPREADSHEET), detectedType: 'application/zip', provenance: 'proven' },
          { key: key(`docs/${NAME}`), locator: `docs/${NAME}`, name: NAME, size: FORGED_SPREADSHEET.length, sha256: sha256(FORGED_SPREADSHEET), detectedType: 'application/zip', provenance: 'altered-copy' },
        ],
        next: null,
      });
    });

    it('filters by provenance, detected type and name, and walks pages by cursor', async () => {
      const locators = async (query: string) => (await json(`/dumps/${ORIGINAL}/documents?${query}`)).documents.map((d: { locator: string }) => d.locator);
      expect(await locators('provenance=proven')).toEqual(['docs/copy.xlsx']);
      expect(await locators('provenance=altered-copy')).toEqual([]);
      expect(await locators('type=application/pdf')).toEqual(['docs/notes.pdf']);
      expect(await locators('name=NOTES.PDF')).toEqual(['docs/notes.pdf']);
      const first = await json(`/dumps/${ORIGINAL}/documents?limit=1`);
      expect(first.documents).toHaveLength(1);
      const second = await json(`/dumps/${ORIGINAL}/documents?limit=1&cursor=${encodeURIComponent(first.next)}`);
      expect([...first.documents, ...second.documents].map((d: { locator: string }) => d.locator)).toEqual(['docs/copy.xlsx', 'docs/notes.pdf']);
    });

    it('refuses bad parameters with a 400 naming them, and an unknown dump with a 404', async () => {
      for (const [query, parameter] of [['provenance=maybe', 'provenance'], ['limit=0', 'limit'], ['type=a%20b', 'type'], ['cursor=bm90LWEtY3Vyc29y', 'cursor'], ['kind=x', 'kind']]) {
        expect((await json(`/dumps/${LEAK}/documents?${query}`, 400)).parameter, query).toBe(parameter);
      }
      await json(`/dumps/${sha256Of('no such dump')}/documents`, 404);
    });
  });

  describe('GET /dumps/{id}/documents/{documentKey}', () => {
    it('answers an altered copy with its provenance decided now: the verified copy compared and every difference', async () => {
      const detail = await json(`/dumps/${LEAK}/documents/${key(`docs/${NAME}`)}`);
      expect(detail).toMatchObject({ kind: 'document', locator: `docs/${NAME}`, name: NAME, metadata: { fields: { lastModifiedBy: 'M. Mallory' } }, placesTruncated: false });
      // The same forged bytes ride in the altered message, whose signature fails: a place, but no proof.
      expect(detail.places).toEqual([expect.objectContaining({ dumpId: LEAK, kind: 'attachment', locator: 'leak/1.eml', verdict: 'failed', coveredBy: [] })]);
      expect(detail.provenance).toMatchObject({ provenance: 'altered-copy', carriers: [{ dumpId: ORIGINAL, locator: 'inbox/1.eml', kind: 'attachment', verdict: 'verified' }] });
      expect(detail.provenance.differences).toContainEqual({ field: 'lastModifiedBy', document: 'M. Mallory', carrier: 'Alice Martin' });
      expect(detail.provenance.decidedAt > AT.toISOString()).toBe(true);
    });

    it('lists every other place of a proven document\'s bytes, across dumps, itself left out', async () => {
      const detail = await json(`/dumps/${LEAK}/documents/${key('docs/again.xlsx')}`);
      expect(detail.provenance).toMatchObject({ provenance: 'proven', carriers: [{ dumpId: ORIGINAL, locator: 'inbox/1.eml' }] });
      const places = detail.places.map((place: { dumpId: string; locator: string; kind: string }) => `${place.dumpId === ORIGINAL ? 'original' : 'leak'} ${place.kind} ${place.locator}`).sort();
      expect(places).toEqual(['original attachment inbox/1.eml', 'original document docs/copy.xlsx']);
    });

    it('refuses a malformed key with a 400 and a message or unknown key with a 404', async () => {
      expect((await json(`/dumps/${LEAK}/documents/bad*key`, 400)).parameter).toBe('documentKey');
      await json(`/dumps/${LEAK}/documents/${key('leak/1.eml')}`, 404);
      await json(`/dumps/${LEAK}/documents/${key('docs/none.xlsx')}`, 404);
      // And a document is no message.
      await json(`/dumps/${LEAK}/messages/${key('docs/again.xlsx')}`, 404);
    });
  });

  describe('GET /documents/{sha256}', () => {
    it("answers every place of the bytes, as a document or an attachment, with the carrying message's verdict", async () => {
      const { sha256: hash, places, truncated } = await json(`/documents/${sha256(SPREADSHEET)}`);
      expect([hash, truncated]).toEqual([sha256(SPREADSHEET), false]);
      expect(places).toHaveLength(3);
      expect(places).toContainEqual(expect.objectContaining({ dumpId: ORIGINAL, kind: 'attachment', locator: 'inbox/1.eml', mimePath: '2', verdict: 'verified', coveredBy: ['campaign.example'] }));
      expect(places).toContainEqual(expect.objectContaining({ dumpId: LEAK, kind: 'document', locator: 'docs/again.xlsx', verdict: null }));
      expect(await json(`/documents/${sha256Of('bytes nobody has')}`)).toEqual({ sha256: sha256Of('bytes nobody has'), places: [], truncated: false });
      expect((await json('/documents/ABC', 400)).parameter).toBe('sha256');
    });
  });

  describe('GET /dumps/{id}/messages/{messageKey} (attachments, variants)', () => {
    it("shows an altered copy's attachments and how it differs from the verified copy, text diff read from the dumps", async () => {
      const detail = await json(`/dumps/${LEAK}/messages/${key('leak/1.eml')}`);
      expect(detail).toMatchObject({ verdict: 'failed', reasons: ['body-hash-mismatch'] });
      expect(detail.attachments).toEqual([expect.objectContaining({ name: NAME, mimePath: '2', sha256: sha256(FORGED_SPREADSHEET) })]);
      expect(detail.attachmentsNote).toBeNull();
      expect(detail.variants).toHaveLength(1);
      const [variant] = detail.variants;
      expect(variant).toMatchObject({ relation: 'variant', of: { dumpId: ORIGINAL, locator: 'inbox/1.eml', key: key('inbox/1.eml') }, headerDifferences: [] });
      expect(variant.textDiff).toContain('+The corrected accounts are attached.');
      expect(variant.attachments.changed).toEqual([{ name: NAME, sha256: sha256(FORGED_SPREADSHEET), verifiedSha256: sha256(SPREADSHEET) }]);
    });

    it('gives the verified message no variants', async () => {
      expect((await json(`/dumps/${ORIGINAL}/messages/${key('inbox/1.eml')}`)).variants).toEqual([]);
    });
  });

  describe('GET /dumps/{id}/messages/{messageKey}/view and …/original (read from the dumps)', () => {
    it('shows the altered copy as evidence: headers genuine and marked signed, body changed, its text and attachments', async () => {
      const view = await json(`/dumps/${LEAK}/messages/${key('leak/1.eml')}/view`);
      expect(view).toMatchObject({ key: key('leak/1.eml'), locator: 'leak/1.eml', verdict: 'failed', reasons: ['body-hash-mismatch'], note: null, caveat: null, to: 'Bob <bob@press.example>' });
      expect(view.explanation).toContain('The headers are genuine, but the body was changed after it was sent.');
      expect(view.text).toContain('The corrected accounts are attached.');
      expect(view.fields.find((field: { name: string }) => field.name === 'Subject')).toMatchObject({ value: 'Meeting notes', index: 1, signedBy: [0], matters: true });
      expect(view.unsignedThatMatter).toEqual([]);
      expect(view.headerSection).toMatch(/^DKIM-Signature: /);
      expect(view.date).toEqual({ asWritten: 'Thu, 04 May 2017 10:00:00 +0200', utc: '2017-05-04T08:00:00.000Z', zone: '+0200' });
      expect(view.attachments).toEqual([expect.objectContaining({ name: NAME, sha256: sha256(FORGED_SPREADSHEET) })]);
      expect(view.originalUrl).toBe(`/dumps/${LEAK}/messages/${key('leak/1.eml')}/original`);
    });

    it('serves the original bytes with their SHA-256, the one recorded at verification', async () => {
      const detail = await json(`/dumps/${ORIGINAL}/messages/${key('inbox/1.eml')}`);
      const response = await get(`/dumps/${ORIGINAL}/messages/${key('inbox/1.eml')}/original`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('message/rfc822');
      expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="message-[0-9a-f]{12}\.eml"$/);
      expect(sha256(response.body)).toBe(detail.sha256);
      expect(response.headers.get('x-content-sha256')).toBe(detail.sha256);
      expect(response.headers.get('repr-digest')).toBe(`sha-256=:${Buffer.from(detail.sha256, 'hex').toString('base64')}:`);
      expect((await json(`/dumps/${ORIGINAL}/messages/${key('inbox/1.eml')}/view`)).sha256).toBe(detail.sha256);
    });

    it('has no view of a document', async () => {
      await json(`/dumps/${LEAK}/messages/${key('docs/again.xlsx')}/view`, 404);
    });
  });

  it('checked a response of each document route against the document', () => {
    const routes = new Set([...validator.checked].map((checked) => checked.split(' ').slice(0, 2).join(' ')));
    for (const path of DOCUMENT_ROUTES) expect(routes, path).toContain(`GET ${path}`);
  });
}
