/**
 * Signals beside a provenance (issue 11 §4): dates after the carrying message's, authors and scripts never seen
 * on verified attachments of the carriers' organisation. They never change the provenance.
 */
import { describe, expect, it } from 'vitest';
import { decideProvenance } from '../../../shared/provenance/decide-provenance.ts';
import { provenanceSignals, scriptsOf } from '../../../shared/provenance/signals.ts';
import { AT, attachmentOf, carried, carrierRecord, documentFacts, FORGED_SPREADSHEET, metadata, SPREADSHEET } from './fixtures.ts';
import type { FileMetadata } from '../../../shared/documents/contract.ts';

const NAME = 'notes.docx';
// The carrier's Date: Thu, 04 May 2017 10:00:00 +0200.
const SENT = '2017-05-04T08:00:00.000Z';

async function verifiedCarrier(meta: FileMetadata | null = null) {
  const message = await carrierRecord('verified', SPREADSHEET, NAME);
  expect(message.date).toBe(SENT);
  return carried(message, attachmentOf(message, SPREADSHEET, NAME, { metadata: meta }));
}

const known = (...names: string[]) => new Map([['campaign.example', names]]);

describe('provenanceSignals', () => {
  it('flags a document created or modified after the Date of the message that carries it', async () => {
    const carrier = await verifiedCarrier();
    const after = documentFacts(SPREADSHEET, NAME, metadata({ created: '2017-05-04T08:00:01Z', modified: '2017-05-10T12:00:00+02:00' }));
    expect(provenanceSignals(after, [carrier], new Map()).map((signal) => signal.kind)).toEqual(['created-after-message', 'modified-after-message']);
    expect(provenanceSignals(after, [carrier], new Map())[0]!.detail).toContain(SENT);
    const before = documentFacts(SPREADSHEET, NAME, metadata({ created: '2017-04-01T08:00:00Z', modified: '2017-05-04T07:59:59Z' }));
    expect(provenanceSignals(before, [carrier], new Map())).toEqual([]);
  });

  it('compares only times that carry their zone (a bare local time would depend on the machine)', async () => {
    const carrier = await verifiedCarrier();
    for (const created of ['2017-06-01T08:00:00', '2017-06-01', 'yesterday', `${'9'.repeat(5000)}-01-01T00:00:00Z`]) {
      expect(provenanceSignals(documentFacts(SPREADSHEET, NAME, metadata({ created })), [carrier], new Map())).toEqual([]);
    }
  });

  it("flags an author or last modifier never seen on verified attachments of the carrier's organisation", async () => {
    const carrier = await verifiedCarrier();
    const document = documentFacts(FORGED_SPREADSHEET, NAME, metadata({ author: 'Alice Martin', lastModifiedBy: 'M. Mallory' }));
    const signals = provenanceSignals(document, [carrier], known('alice martin', 'Bob Stone'));
    expect(signals).toEqual([{ kind: 'unseen-author', detail: expect.stringContaining('M. Mallory') }]);
    expect(signals[0]!.detail).toContain('campaign.example');
    // Known names match whatever their case or Unicode form; with no names known there is nothing to judge by.
    expect(provenanceSignals(documentFacts(SPREADSHEET, NAME, metadata({ author: 'ALICE MARTIN' })), [carrier], known('Alice Martin'))).toEqual([]);
    expect(provenanceSignals(document, [carrier], new Map())).toEqual([]);
  });

  it('flags metadata in a script never seen on the verified attachments or their authors', async () => {
    const carrier = await verifiedCarrier(metadata({ title: 'Comptes de campagne', author: 'Alice Martin' }));
    const cyrillic = documentFacts(FORGED_SPREADSHEET, NAME, metadata({ title: 'Счета кампании', company: 'Кампания', author: 'Alice Martin' }));
    expect(provenanceSignals(cyrillic, [carrier], known('Alice Martin'))).toEqual([{ kind: 'unseen-script', detail: expect.stringMatching(/^Cyrillic in title/) }]);
    // A script the organisation's verified authors write in is no surprise.
    expect(provenanceSignals(cyrillic, [carrier], known('Alice Martin', 'Иван Петров')).filter((s) => s.kind === 'unseen-script')).toEqual([]);
    const han = documentFacts(FORGED_SPREADSHEET, NAME, metadata({ title: '竞选账目' }));
    expect(provenanceSignals(han, [carrier], new Map()).map((signal) => signal.detail)).toEqual([expect.stringMatching(/^Han in title/)]);
  });

  it('tells scripts apart, looking at a capped head of the value however long it is', () => {
    expect(scriptsOf('Ελληνικά and Latin')).toEqual(['Latin', 'Greek']);
    expect(scriptsOf('عربي')).toEqual(['Arabic']);
    expect(scriptsOf('12345 — ✓')).toEqual([]);
    const started = performance.now();
    expect(scriptsOf('a'.repeat(5_000_000) + 'ж')).toEqual(['Latin']);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('never changes the provenance: a proven document keeps its provenance, with its signals beside it', async () => {
    const carrier = await verifiedCarrier(metadata({ author: 'Alice Martin', created: '2017-06-01T00:00:00Z' }));
    const document = documentFacts(SPREADSHEET, NAME, metadata({ author: 'Alice Martin', created: '2017-06-01T00:00:00Z' }));
    const evidence = decideProvenance({ document, identical: [carrier], namesakes: [], knownAuthors: known('Bob Stone'), decidedAt: AT });
    expect(evidence.provenance).toBe('proven');
    expect(evidence.signals.map((signal) => signal.kind)).toEqual(['created-after-message', 'unseen-author']);
  });

  it('has nothing to say of a document no message carries', () => {
    const document = documentFacts(SPREADSHEET, NAME, metadata({ author: 'Nobody', title: 'Счета', created: '2030-01-01T00:00:00Z' }));
    expect(decideProvenance({ document, identical: [], namesakes: [], knownAuthors: known('Alice'), decidedAt: AT }).signals).toEqual([]);
  });
});
