/**
 * Copies of one message across the store (issue 11 §5): an altered copy beside the verified one gets variant
 * evidence (headers, a bounded text diff, attachments), a byte-identical copy is a duplicate, the verified copy
 * itself gets none, and the bytes read again must be the bytes stored before a diff is shown.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalHome, type LocalHome } from '../../../shared/adapters/local/local-home.ts';
import type { MessageSource } from '../../../shared/ports/message-source.ts';
import type { MessageRecord } from '../../../shared/ports/verdict-store.ts';
import { attachmentDifferences, variantsOf } from '../../../shared/provenance/variants.ts';
import { dumpInput, sha256Of, attachmentRecord } from '../../helpers/store-records.ts';
import { useTempHome } from '../../helpers/temp-home.ts';
import { tamper } from '../../helpers/messages.ts';
import { AT, attachmentOf, FORGED_SPREADSHEET, sha256, signedCarrier, SPREADSHEET } from './fixtures.ts';

const ORIGINAL = sha256Of('the original mailbox');
const LEAKED = sha256Of('the leaked copy');
const NAME = 'comptes.xlsx';

const temp = useTempHome('leakproof-variants-');
let local: LocalHome;
let bytes: Map<string, Buffer>;
/** The MessageSource port over the bytes the test put in the dumps. */
const source: MessageSource = { read: async (dumpId, locator) => bytes.get(`${dumpId} ${locator}`) ?? null };

async function put(dumpId: string, locator: string, message: { bytes: Buffer; record: MessageRecord }, file: Buffer) {
  const record = { ...message.record, locator: { path: locator }, attachments: [attachmentOf(message.record, file, NAME)] };
  if ((await local.store.listDumps()).every((dump) => dump.id !== dumpId)) await local.store.openDump(dumpInput(dumpId), AT);
  await local.store.putEntries(dumpId, [record]);
  bytes.set(`${dumpId} ${locator}`, message.bytes);
  return record;
}

let verified: MessageRecord;
let altered: MessageRecord;
beforeEach(async () => {
  local = openLocalHome(temp.dir);
  bytes = new Map();
  const genuine = await signedCarrier('verified', SPREADSHEET, NAME);
  verified = await put(ORIGINAL, 'inbox/1.eml', genuine, SPREADSHEET);
  // The leaked copy: same Message-ID, subject and a line of text changed, another spreadsheet under the same name.
  const edited = await signedCarrier('verified', FORGED_SPREADSHEET, NAME, {
    edit: (plain) => tamper(tamper(tamper(plain, 'Subject: Meeting notes', 'Subject: Meeting notes (final)'), 'The accounts are attached.', 'The accounts, corrected, are attached.'), 'To: Bob <bob@press.example>', 'To: Eve <eve@press.example>'),
  });
  const forged = { bytes: tamper(edited.bytes, 'bh=', 'bh=AAAA'), record: edited.record };
  altered = await put(LEAKED, 'leak/1.eml', { ...forged, record: { ...forged.record, verdict: 'failed', reasons: ['body-hash-mismatch'], sha256: sha256(forged.bytes) } }, FORGED_SPREADSHEET);
  bytes.set(`${LEAKED} leak/1.eml`, forged.bytes);
});
afterEach(() => local.close());

describe('variantsOf', () => {
  it('links an altered copy to the verified one: header fields, a unified diff of the text, the attachment changed', async () => {
    expect(verified.verdict).toBe('verified');
    const [variant, ...rest] = await variantsOf({ store: local.store, messages: source }, LEAKED, altered);
    expect(rest).toEqual([]);
    expect(variant).toMatchObject({ relation: 'variant', of: { dumpId: ORIGINAL, locator: 'inbox/1.eml' }, textDiffTruncated: false });
    expect(variant!.headerDifferences).toEqual([
      { field: 'subject', document: 'Meeting notes (final)', carrier: 'Meeting notes' },
      { field: 'to', document: 'Eve <eve@press.example>', carrier: 'Bob <bob@press.example>' },
    ]);
    expect(variant!.textDiff).toContain('-The accounts are attached.');
    expect(variant!.textDiff).toContain('+The accounts, corrected, are attached.');
    expect(variant!.attachments).toEqual({ added: [], removed: [], changed: [{ name: NAME, sha256: altered.attachments[0]!.sha256, verifiedSha256: verified.attachments[0]!.sha256 }] });
  });

  it('gives the verified copy none, and links a byte-identical copy with another verdict as a duplicate', async () => {
    expect(await variantsOf({ store: local.store, messages: source }, ORIGINAL, verified)).toEqual([]);
    const stale = { ...verified, locator: { path: 'old/1.eml' }, verdict: 'unverified' as const, reasons: ['key-unavailable' as const] };
    await local.store.putEntries(LEAKED, [stale]);
    expect(await variantsOf({ store: local.store, messages: source }, LEAKED, stale)).toEqual([
      { relation: 'duplicate', of: { dumpId: ORIGINAL, locator: 'inbox/1.eml' }, headerDifferences: [], textDiff: null, textDiffTruncated: false, attachments: { added: [], removed: [], changed: [] } },
    ]);
  });

  it('makes no text diff from bytes that are not the ones stored, nor without a source, and says why', async () => {
    bytes.set(`${ORIGINAL} inbox/1.eml`, Buffer.from('something else entirely'));
    const [changed] = await variantsOf({ store: local.store, messages: source }, LEAKED, altered);
    expect(changed).toMatchObject({ textDiff: null, textDiffNote: 'a dump no longer holds the bytes that were verified' });
    expect(changed!.headerDifferences.map((difference) => difference.field)).toEqual(['subject']);
    const [sourceless] = await variantsOf({ store: local.store }, LEAKED, altered);
    expect(sourceless).toMatchObject({ textDiff: null, textDiffNote: expect.stringContaining('cannot read') });
  });

  it('bounds the diff of texts that differ everywhere', async () => {
    const lines = (seed: string) => Array.from({ length: 20_000 }, (_, i) => `${seed} line ${i} ${sha256Of(seed + i)}`).join('\r\n');
    const a = await signedCarrier('verified', SPREADSHEET, NAME, { messageId: '<big@campaign.example>', edit: (plain) => tamper(plain, 'The accounts are attached.', lines('a')) });
    const b = await signedCarrier('verified', SPREADSHEET, NAME, { messageId: '<big@campaign.example>', edit: (plain) => tamper(plain, 'The accounts are attached.', lines('b')) });
    await put(ORIGINAL, 'big/a.eml', a, SPREADSHEET);
    const copy = await put(LEAKED, 'big/b.eml', { ...b, record: { ...b.record, verdict: 'failed', reasons: ['body-hash-mismatch'] } }, SPREADSHEET);
    const started = performance.now();
    const [variant] = await variantsOf({ store: local.store, messages: source }, LEAKED, copy);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(variant!.textDiffTruncated).toBe(true);
    expect((variant!.textDiff ?? '').length).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('attachmentDifferences', () => {
  it('matches by name first, then by bytes: changed, added, removed', () => {
    const mine = [attachmentRecord('a.pdf', 'A2'), attachmentRecord('renamed.pdf', 'B'), attachmentRecord('new.pdf', 'N'), attachmentRecord(null, 'inline')];
    const theirs = [attachmentRecord('A.PDF', 'A1'), attachmentRecord('b.pdf', 'B'), attachmentRecord('gone.pdf', 'G'), attachmentRecord(null, 'inline')];
    expect(attachmentDifferences(mine, theirs)).toEqual({
      changed: [{ name: 'a.pdf', sha256: sha256Of('A2'), verifiedSha256: sha256Of('A1') }],
      added: [{ name: 'new.pdf', sha256: sha256Of('N') }],
      removed: [{ name: 'gone.pdf', sha256: sha256Of('G') }],
    });
  });
});
