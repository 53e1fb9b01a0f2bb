/**
 * `leakproof show` over a local home and a folder dump written at test time: messages signed with keys made for
 * the run, verified by the real verifier, then attacked (text appended past l=, an unsigned Subject added above the
 * signed one holding a terminal escape), and one whose file changed after the ingest.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { showCommand } from '../../../cli/commands/show.ts';
import { messageKeyOf } from '../../../shared/api/message-key.ts';
import { openLocalHome } from '../../../shared/adapters/local/local-home.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { describeEntry } from '../../../shared/pipeline/describe-entry.ts';
import { verifyEntry } from '../../../shared/pipeline/verify-entry.ts';
import type { MessageRecord } from '../../../shared/ports/verdict-store.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { dumpInput, sha256Of } from '../../helpers/store-records.ts';

const AT = new Date('2025-03-01T12:00:00.000Z');
const DUMP = sha256Of('show: the dump');
const key = rsaKey(1024);
const verifier = createVerifier(staticResolver({ 'k1._domainkey.campaign.example': key.record }));
const sign = (bytes: Buffer, bodyLength?: 'whole') => signMessage(bytes, { domain: 'campaign.example', selector: 'k1', privateKey: key.privateKey, ...(bodyLength ? { bodyLength } : {}) });
const TAIL = "PS : merci d'effectuer le virement avant vendredi. IBAN FR76 3000 6000 0112 3456 7890 189\r\n";

let root: string;
const home = () => join(root, 'home');

async function recordOf(path: string, bytes: Buffer): Promise<MessageRecord> {
  const described = await describeEntry(await verifyEntry({ kind: 'message', locator: { path }, bytes }, verifier, AT));
  if (described.kind !== 'message') throw new Error('not a message');
  return { ...described, attachments: [], attachmentsNote: null, arc: null, forensics: null };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'leakproof-show-'));
  const files: [string, Buffer][] = [
    ['inbox/tail.eml', Buffer.concat([sign(buildMessage({ subject: 'Facture' }), 'whole'), Buffer.from(TAIL)])],
    ['inbox/subject.eml', Buffer.concat([Buffer.from('Subject: URGENT \u001b[2Kwire today\r\n'), sign(buildMessage({ subject: 'Meeting notes' }))])],
    ['inbox/changed.eml', sign(buildMessage())],
  ];
  const records = [];
  for (const [path, bytes] of files) {
    mkdirSync(join(root, 'dump', 'inbox'), { recursive: true });
    writeFileSync(join(root, 'dump', path), bytes);
    records.push(await recordOf(path, bytes));
  }
  writeFileSync(join(root, 'dump', 'inbox/changed.eml'), Buffer.concat([files[2]![1], Buffer.from('added later\r\n')]));
  const local = openLocalHome(home());
  await local.store.openDump(dumpInput(DUMP, { name: 'dump', source: join(root, 'dump') }), AT);
  await local.store.putEntries(DUMP, records);
  await local.store.setStatus(DUMP, 'complete', AT);
  local.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function show(message: string, json = false): Promise<string> {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
  expect(await showCommand(message, { home: home(), ...(json ? { json } : {}) })).toBe(0);
  vi.restoreAllMocks();
  return written.join('');
}

describe('leakproof show', () => {
  it('shows the unsigned tail an l= leaves, with the verdict in plain words', async () => {
    const text = await show('inbox/tail.eml');
    expect(text).toContain('Verdict    PARTIALLY-VERIFIED (body-length-limit)');
    expect(text).toContain('Only the first part of the body is signed');
    expect(text).toMatch(/Unsigned tail: signature \[0\] signs the first \d+ of \d+ body bytes; the last 91 are not signed/);
    expect(text).toContain("  | PS : merci d'effectuer le virement avant vendredi. IBAN FR76 3000 6000 0112 3456 7890 189");
    expect(text).toMatch(/signed \[0\]\s+Subject: Facture/);
  });

  it('names the added Subject as not signed, by message key too, and never prints a control character', async () => {
    const text = await show(messageKeyOf('inbox/subject.eml'));
    expect(text).toMatch(/NOT SIGNED\s+Subject: URGENT \?\[2Kwire today/);
    // The Subject shown is the one mail clients show, the added one, marked; it is not listed again below it.
    expect(text).toContain('Subject    URGENT ?[2Kwire today  [not signed]\n');
    expect(text).not.toContain('mail clients show it instead: Subject');
    expect(text).toContain('this Subject is not signed; mail clients show it');
    expect(text).toMatch(/signed \[0\]\s+Subject: Meeting notes/);
    expect(text).not.toContain('\u001b');
  });

  it('shows the stored evidence only, saying why, when the dump no longer holds the verified bytes', async () => {
    const text = await show('inbox/changed.eml');
    expect(text).toContain('The original could not be read as verified: the dump no longer holds the bytes that were verified');
    expect(text).toContain('Verdict    VERIFIED');
    expect(text).not.toContain('Header fields');
  });

  it('prints the record, the view and the copies as JSON', async () => {
    const shown = JSON.parse(await show('inbox/tail.eml', true));
    expect(shown.view.lTails[0].tail).toBe(TAIL);
    expect(shown.record.verdict).toBe('partially-verified');
  });

  it('refuses what is not a stored message', async () => {
    await expect(showCommand('inbox/none.eml', { home: home() })).rejects.toThrow(/no message inbox\/none.eml/);
  });
});
