/**
 * Settling a dump's provenance in the store (SQLite): every document decided and counted, documents of dumps
 * ingested earlier settled again when a new dump's signed mail decides them, nothing counted twice on a rerun,
 * and postings that point at records not holding the bytes passed over.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalHome, type LocalHome } from '../../../shared/adapters/local/local-home.ts';
import type { DocumentRecord, VerdictStore } from '../../../shared/ports/verdict-store.ts';
import { provenanceOf } from '../../../shared/provenance/provenance-of.ts';
import { settleProvenance } from '../../../shared/provenance/settle-provenance.ts';
import { documentEntry, dumpInput, sha256Of } from '../../helpers/store-records.ts';
import { useTempHome } from '../../helpers/temp-home.ts';
import { AT, attachmentOf, carrierRecord, documentFacts, FORGED_SPREADSHEET, metadata, SPREADSHEET } from './fixtures.ts';

const NAME = 'comptes.xlsx';
const LOOSE = sha256Of('the loose files');
const MAIL = sha256Of('the mail');
const LATER = new Date('2025-03-02T00:00:00.000Z');

const temp = useTempHome('leakproof-settle-');
let local: LocalHome;
beforeEach(() => {
  local = openLocalHome(temp.dir);
});
afterEach(() => local.close());

/** The loose files: a copy of the genuine spreadsheet, an altered copy under its name, an unrelated file. */
async function putLooseFiles() {
  await local.store.openDump(dumpInput(LOOSE), AT);
  const loose: DocumentRecord[] = [
    { ...documentEntry('docs/copy.xlsx', ''), ...documentFacts(SPREADSHEET, 'copy.xlsx') },
    { ...documentEntry(`docs/${NAME}`, ''), ...documentFacts(FORGED_SPREADSHEET, NAME, metadata({ lastModifiedBy: 'M. Mallory' })) },
    documentEntry('docs/unrelated.pdf', 'nothing else holds these bytes'),
  ];
  await local.store.putEntries(LOOSE, loose);
  await local.store.setStatus(LOOSE, 'complete', AT);
}

/** The signed mail that carried the genuine spreadsheet. */
async function putMail() {
  await local.store.openDump(dumpInput(MAIL), LATER);
  const message = await carrierRecord('verified', SPREADSHEET, NAME, { path: 'inbox/1.eml' });
  await local.store.putEntries(MAIL, [{ ...message, attachments: [attachmentOf(message, SPREADSHEET, NAME, { metadata: metadata({ lastModifiedBy: 'Alice Martin' }) })] }]);
  await local.store.setStatus(MAIL, 'complete', LATER);
}

async function provenances(dumpId: string) {
  const page = await local.store.listDocuments(dumpId, { limit: 50 });
  return Object.fromEntries(page!.documents.map((document) => [document.locator, document.provenance]));
}

describe('settleProvenance', () => {
  it('decides and counts every document of a dump; a rerun writes nothing', async () => {
    await putMail();
    await putLooseFiles();
    expect(await settleProvenance(local.store, LOOSE, LATER)).toEqual({ decided: 3, changed: 3, others: 0, othersCapped: false });
    expect(await provenances(LOOSE)).toEqual({ 'docs/comptes.xlsx': 'altered-copy', 'docs/copy.xlsx': 'proven', 'docs/unrelated.pdf': 'unproven' });
    const summary = await local.store.summary(LOOSE);
    expect(summary).toMatchObject({ documents: 3, byProvenance: { proven: 1, 'altered-copy': 1, unproven: 1 } });

    expect(await settleProvenance(local.store, LOOSE, new Date('2026-01-01T00:00:00Z'))).toMatchObject({ decided: 3, changed: 0 });
    expect((await local.store.summary(LOOSE))!.byProvenance).toEqual(summary!.byProvenance);
    const copy = await local.store.getEntry(LOOSE, 'docs/copy.xlsx');
    expect(copy).toMatchObject({ provenance: { provenance: 'proven', decidedAt: LATER.toISOString(), carriers: [{ dumpId: MAIL, locator: 'inbox/1.eml', kind: 'attachment' }] } });
  });

  it('settles again the documents of an earlier dump that a new dump\'s signed attachments decide', async () => {
    await putLooseFiles();
    await settleProvenance(local.store, LOOSE, AT);
    expect((await local.store.summary(LOOSE))!.byProvenance).toEqual({ unproven: 3 });

    await putMail();
    const tally = await settleProvenance(local.store, MAIL, LATER);
    expect(tally).toEqual({ decided: 0, changed: 2, others: 2, othersCapped: false });
    expect(await provenances(LOOSE)).toEqual({ 'docs/comptes.xlsx': 'altered-copy', 'docs/copy.xlsx': 'proven', 'docs/unrelated.pdf': 'unproven' });
    expect((await local.store.summary(LOOSE))!.byProvenance).toEqual({ proven: 1, 'altered-copy': 1, unproven: 1 });
    const altered = await local.store.getEntry(LOOSE, `docs/${NAME}`);
    expect(altered).toMatchObject({ provenance: { differences: expect.arrayContaining([{ field: 'lastModifiedBy', document: 'M. Mallory', carrier: 'Alice Martin' }]) } });
  });

  it('believes the record, not the posting: an attachment posted with the bytes but stored with others proves nothing', async () => {
    await local.store.openDump(dumpInput(MAIL), LATER);
    const message = await carrierRecord('verified', FORGED_SPREADSHEET, NAME, { path: 'inbox/1.eml' });
    await local.store.putEntries(MAIL, [{ ...message, attachments: [attachmentOf(message, FORGED_SPREADSHEET, NAME)] }]);
    const real = await provenanceOf(local.store, documentFacts(FORGED_SPREADSHEET, 'x.xlsx'), AT);
    expect(real.provenance).toBe('proven');
    // A store answering with a place whose record does not hold those bytes (a stale or forged posting).
    const store = local.store;
    const lying = {
      getEntry: store.getEntry.bind(store),
      verifiedAuthors: store.verifiedAuthors.bind(store),
      async *filePlaces() {
        yield { ...real.carriers[0]!, sha256: sha256Of('other bytes') };
      },
    } as unknown as VerdictStore;
    expect((await provenanceOf(lying, documentFacts(Buffer.from('other bytes'), 'x.xlsx'), AT)).provenance).toBe('unproven');
  });
});
