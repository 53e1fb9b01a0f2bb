/**
 * A document's provenance from the carriers the store found (issue 11 §4): each outcome, its evidence, the
 * precedence between them, and the forgeries that must never come out `proven`.
 */
import { describe, expect, it } from 'vitest';
import { decideProvenance, type CarriedCopy } from '../../../shared/provenance/decide-provenance.ts';
import {
  AT,
  attachmentOf,
  carried,
  carrierRecord,
  documentFacts,
  FORGED_SPREADSHEET,
  outlookCarrier,
  metadata,
  SPREADSHEET,
  type CarrierShape,
} from './fixtures.ts';
import type { FileFacts } from '../../../shared/documents/contract.ts';

const NAME = 'comptes-campagne.xlsx';

function decide(document: FileFacts, identical: CarriedCopy[], namesakes: CarriedCopy[] = []) {
  return decideProvenance({ document, identical, namesakes, knownAuthors: new Map(), decidedAt: AT });
}

/** A carrier of `file` shaped so, its attachment recorded truthfully unless `coveredBy` says otherwise. */
async function carrier(shape: CarrierShape, file = SPREADSHEET, options: { coveredBy?: number[]; path?: string; date?: string; replacedBy?: Buffer; meta?: ReturnType<typeof metadata> } = {}) {
  const message = await carrierRecord(shape, file, NAME, options);
  const held = shape === 'tampered' ? (options.replacedBy ?? FORGED_SPREADSHEET) : file;
  return carried(message, attachmentOf(message, held, NAME, { ...(options.coveredBy ? { coveredBy: options.coveredBy } : {}), metadata: options.meta ?? null }));
}

describe('decideProvenance', () => {
  it('proves a document whose bytes a verified message carries, covered by its signature, and lists that message first', async () => {
    const early = await carrier('verified', SPREADSHEET, { path: 'early.eml', date: 'Wed, 03 May 2017 09:00:00 +0000' });
    const late = await carrier('verified', SPREADSHEET, { path: 'late.eml', date: 'Fri, 05 May 2017 09:00:00 +0000' });
    expect(early.message.verdict).toBe('verified');
    const evidence = decide(documentFacts(SPREADSHEET, 'accounts.xlsx'), [late, early]);
    expect(evidence).toEqual({
      provenance: 'proven',
      carriers: [early.place, late.place],
      reasons: [],
      differences: [],
      signals: [],
      decidedAt: AT.toISOString(),
    });
    expect(evidence.carriers[0]).toMatchObject({ locator: 'early.eml', verdict: 'verified', from: expect.stringContaining('<alice@campaign.example>'), coveredBy: ['campaign.example'] });
  });

  it('is partially proven when the only carrier signs with l= short of the attachment (body-length-limit)', async () => {
    const limited = await carrier('length-limited');
    expect(limited.message).toMatchObject({ verdict: 'partially-verified', reasons: ['body-length-limit'] });
    expect(limited.attachment.coveredBy).toEqual([]);
    const evidence = decide(documentFacts(SPREADSHEET, NAME), [limited]);
    expect(evidence).toMatchObject({ provenance: 'partially-proven', reasons: ['body-length-limit'], carriers: [limited.place] });
  });

  it("is partially proven when the carrier is only partially verified, and carries the message's reasons over", async () => {
    const unaligned = await carrier('unaligned');
    expect(unaligned.message).toMatchObject({ verdict: 'partially-verified', reasons: ['signer-not-aligned'] });
    expect(decide(documentFacts(SPREADSHEET, NAME), [unaligned])).toMatchObject({ provenance: 'partially-proven', reasons: ['signer-not-aligned'] });
  });

  it('takes proven over partially proven, and partially proven over an altered copy', async () => {
    const verified = await carrier('verified');
    const limited = await carrier('length-limited', SPREADSHEET, { path: 'limited.eml' });
    expect(decide(documentFacts(SPREADSHEET, NAME), [limited, verified]).provenance).toBe('proven');
    const genuineElsewhere = await carrier('verified', FORGED_SPREADSHEET, { path: 'other.eml' });
    expect(decide(documentFacts(SPREADSHEET, NAME), [limited], [genuineElsewhere]).provenance).toBe('partially-proven');
  });

  it('calls a document with a verified namesake of other bytes an altered copy, naming every metadata field and package part that differs', async () => {
    const genuineMeta = metadata(
      { author: 'Alice Martin', lastModifiedBy: 'Alice Martin', modified: '2017-05-03T08:00:00Z', application: 'Microsoft Excel' },
      [
        { name: 'docProps/core.xml', size: 600, sha256: 'a'.repeat(64) },
        { name: 'xl/worksheets/sheet1.xml', size: 4000, sha256: 'b'.repeat(64) },
      ],
    );
    const forgedMeta = metadata(
      { author: 'Alice Martin', lastModifiedBy: 'M. Mallory', modified: '2017-05-09T08:00:00Z', application: 'Microsoft Excel' },
      [
        { name: 'docProps/core.xml', size: 600, sha256: 'a'.repeat(64) },
        { name: 'xl/worksheets/sheet1.xml', size: 4010, sha256: 'c'.repeat(64) },
        { name: 'xl/worksheets/sheet2.xml', size: 90, sha256: 'd'.repeat(64) },
      ],
    );
    const genuine = await carrier('verified', SPREADSHEET, { meta: genuineMeta });
    const evidence = decide(documentFacts(FORGED_SPREADSHEET, NAME.toUpperCase(), forgedMeta), [], [genuine]);
    expect(evidence.provenance).toBe('altered-copy');
    expect(evidence.carriers).toEqual([genuine.place]);
    expect(evidence.differences).toEqual([
      ...(SPREADSHEET.length === FORGED_SPREADSHEET.length ? [] : [{ field: 'size', document: String(FORGED_SPREADSHEET.length), carrier: String(SPREADSHEET.length) }]),
      { field: 'lastModifiedBy', document: 'M. Mallory', carrier: 'Alice Martin' },
      { field: 'modified', document: '2017-05-09T08:00:00Z', carrier: '2017-05-03T08:00:00Z' },
      { field: 'part:xl/worksheets/sheet1.xml', document: `4010 bytes, sha256 ${'c'.repeat(64)}`, carrier: `4000 bytes, sha256 ${'b'.repeat(64)}` },
      { field: 'part:xl/worksheets/sheet2.xml', document: `90 bytes, sha256 ${'d'.repeat(64)}`, carrier: null },
    ]);
  });

  it('matches an altered copy by its document identity under another name, and compares with that copy first', async () => {
    const byName = await carrier('verified', Buffer.from('another file entirely'), { path: 'by-name.eml', date: 'Mon, 01 May 2017 09:00:00 +0000' });
    const byIdentity = await carrier('verified', SPREADSHEET, { path: 'by-id.eml', meta: metadata({ documentId: 'uuid:1234' }) });
    const renamed = { ...byIdentity, attachment: { ...byIdentity.attachment, name: 'renamed.pdf' } };
    const evidence = decide(documentFacts(FORGED_SPREADSHEET, NAME, metadata({ documentId: 'uuid:1234' })), [], [byName, renamed]);
    expect(evidence.provenance).toBe('altered-copy');
    expect(evidence.carriers.map((place) => place.locator)).toEqual(['by-id.eml', 'by-name.eml']);
    expect(evidence.differences.find((difference) => difference.field === 'documentId')).toBeUndefined();
  });

  it('leaves a document unproven when nothing matches, or only unsigned, failed or partially verified namesakes do', async () => {
    expect(decide(documentFacts(SPREADSHEET, NAME), [], [])).toEqual({ provenance: 'unproven', carriers: [], reasons: [], differences: [], signals: [], decidedAt: AT.toISOString() });
    const namesakes = [await carrier('unsigned', FORGED_SPREADSHEET), await carrier('tampered', FORGED_SPREADSHEET, { replacedBy: Buffer.from('x') }), await carrier('length-limited', FORGED_SPREADSHEET)];
    expect(decide(documentFacts(SPREADSHEET, NAME), [], namesakes).provenance).toBe('unproven');
  });

  describe('forgeries: bytes that only weaker mail carries are never proven', () => {
    it('a copy in a partially verified message, even when the inventory claims a signature covers it', async () => {
      const lying = await carrier('length-limited', SPREADSHEET, { coveredBy: [0] });
      expect(decide(documentFacts(SPREADSHEET, NAME), [lying]).provenance).toBe('partially-proven');
      const unaligned = await carrier('unaligned', SPREADSHEET, { coveredBy: [0] });
      expect(decide(documentFacts(SPREADSHEET, NAME), [unaligned]).provenance).toBe('partially-proven');
    });

    it('a forged file swapped into a signed message (failed): unproven, or an altered copy beside the genuine one', async () => {
      const swapped = await carrier('tampered', SPREADSHEET, { replacedBy: FORGED_SPREADSHEET, coveredBy: [0] });
      expect(swapped.message).toMatchObject({ verdict: 'failed', reasons: ['body-hash-mismatch'] });
      const forged = documentFacts(FORGED_SPREADSHEET, NAME);
      expect(decide(forged, [swapped])).toMatchObject({ provenance: 'unproven', carriers: [] });
      const genuine = await carrier('verified', SPREADSHEET, { path: 'genuine.eml' });
      expect(decide(forged, [swapped], [genuine])).toMatchObject({ provenance: 'altered-copy', carriers: [genuine.place] });
    });

    it('a copy in a verified message that the inventory says only a signature that did not verify covers', async () => {
      const copy = await carrier('verified-plus-unchecked');
      expect(copy.message.verdict).toBe('verified');
      const unchecked = copy.message.signatures.find((signature) => signature.d === 'gone.example')!;
      expect(unchecked.status).not.toBe('pass');
      const lying = { ...copy, attachment: { ...copy.attachment, coveredBy: [unchecked.index] } };
      expect(decide(documentFacts(SPREADSHEET, NAME), [lying]).provenance).not.toBe('proven');
      // An index naming no signature at all covers nothing either.
      const nowhere = { ...copy, attachment: { ...copy.attachment, coveredBy: [7] } };
      expect(decide(documentFacts(SPREADSHEET, NAME), [nowhere]).provenance).not.toBe('proven');
    });

    it('a copy in unsigned mail, or a carrier whose attachment holds other bytes than the document', async () => {
      expect(decide(documentFacts(SPREADSHEET, NAME), [await carrier('unsigned')]).provenance).toBe('unproven');
      const other = await carrier('verified', FORGED_SPREADSHEET);
      expect(decide(documentFacts(SPREADSHEET, NAME), [other]).provenance).not.toBe('proven');
    });

    it('a forged file in an Outlook item with genuine transport headers (headers-only): unproven, for no signature reaches any part of its body', async () => {
      const item = await outlookCarrier(FORGED_SPREADSHEET, NAME);
      expect(item).toMatchObject({ verdict: 'partially-verified', reasons: ['headers-only'] });
      const copy = carried(item, attachmentOf(item, FORGED_SPREADSHEET, NAME));
      expect(copy.attachment.coveredBy).toEqual([]);
      expect(decide(documentFacts(FORGED_SPREADSHEET, NAME), [copy])).toMatchObject({ provenance: 'unproven', carriers: [], reasons: [] });
    });

    it('a file no signature covers in a verified message, for another cause than l= (here: its Content-Type is unsigned): unproven', async () => {
      const copy = await carrier('verified', SPREADSHEET, { coveredBy: [] });
      expect(copy.message.verdict).toBe('verified');
      expect(decide(documentFacts(SPREADSHEET, NAME), [copy])).toMatchObject({ provenance: 'unproven', reasons: [] });
    });

    it('a verified namesake that is not itself covered is no ground for an altered copy', async () => {
      const uncovered = await carrier('verified', FORGED_SPREADSHEET, { coveredBy: [] });
      expect(decide(documentFacts(SPREADSHEET, NAME), [], [uncovered]).provenance).toBe('unproven');
    });
  });
});
