/**
 * Coverage marks and the message view over messages signed at test time, verified by the real verifier, then
 * attacked: an unsigned Subject added above the signed one, text appended past l=, a body changed, a signed
 * header changed. The marks must be what the verifier hashed, and the plain words must say what happened.
 */
import { describe, expect, it } from 'vitest';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { messageCoverage } from '../../../shared/message/coverage.ts';
import { messageView } from '../../../shared/message/message-view.ts';
import { describeEntry } from '../../../shared/pipeline/describe-entry.ts';
import { verifyEntry } from '../../../shared/pipeline/verify-entry.ts';
import type { MessageRecord } from '../../../shared/ports/verdict-store.ts';
import { BODY_INTACT_HEADER_CHANGED, REASON_EXPLANATIONS } from '../../../shared/verdict/plain-language.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';

const AT = new Date('2025-03-01T12:00:00.000Z');
const key = rsaKey(1024);
const verifier = createVerifier(staticResolver({ 'k1._domainkey.campaign.example': key.record }));
const sign = (bytes: Buffer, options: { bodyLength?: number | 'whole'; headers?: string[] } = {}) =>
  signMessage(bytes, { domain: 'campaign.example', selector: 'k1', privateKey: key.privateKey, ...options });

async function recordOf(bytes: Buffer): Promise<MessageRecord> {
  const described = await describeEntry(await verifyEntry({ kind: 'message', locator: { path: 'm.eml' }, bytes }, verifier, AT));
  if (described.kind !== 'message') throw new Error('not a message');
  return { ...described, attachments: [], attachmentsNote: null, arc: null, forensics: null };
}

const plain = buildMessage({ subject: 'Réunion =?utf-8?q?budget?=', cc: 'Carol <carol@campaign.example>', date: 'Thu, 04 May 2017 10:00:00 +0200' });

describe('messageCoverage', () => {
  it('marks every instance the verifying h= selected, and nothing else', async () => {
    const bytes = sign(plain);
    const record = await recordOf(bytes);
    expect(record.verdict).toBe('verified');
    const coverage = messageCoverage(bytes, record.signatures);
    const signed = coverage.fields.filter((field) => field.signedBy.includes(0)).map((field) => field.name.toLowerCase());
    expect(signed.sort()).toEqual(['cc', 'content-type', 'date', 'from', 'message-id', 'mime-version', 'subject', 'to']);
    expect(coverage.fields.find((field) => field.name === 'DKIM-Signature')?.signedBy).toEqual([]);
    expect(coverage.unsignedThatMatter).toEqual([]);
    expect(coverage.note).toBeNull();
  });

  it('names an unsigned Subject added above the signed one, with its value: the one mail clients show', async () => {
    const signed = sign(plain);
    const forged = Buffer.concat([Buffer.from('Subject: URGENT: virement à faire aujourd’hui\r\n', 'utf8'), signed]);
    const record = await recordOf(forged);
    expect(record.verdict).toBe('partially-verified');
    expect(record.reasons).toContain('unsigned-header');
    const coverage = messageCoverage(forged, record.signatures);
    expect(coverage.unsignedThatMatter).toEqual([
      { name: 'Subject', value: 'URGENT: virement à faire aujourd’hui', position: 0, index: 2, note: 'this Subject is not signed; mail clients show it' },
    ]);
    const subjects = coverage.fields.filter((field) => field.name === 'Subject');
    expect(subjects.map((field) => [field.value, field.index, field.signedBy])).toEqual([
      ['URGENT: virement à faire aujourd’hui', 2, []],
      ['Réunion budget', 1, [0]],
    ]);
  });

  it('marks nothing signed when no header signature verifies, and says so', async () => {
    const forged = tamper(sign(plain), 'Subject: Réunion', 'Subject: Reunion');
    const record = await recordOf(forged);
    expect(record.verdict).toBe('failed');
    const coverage = messageCoverage(forged, record.signatures);
    expect(coverage.fields.every((field) => field.signedBy.length === 0)).toBe(true);
    expect(coverage.unsignedThatMatter).toEqual([]);
    expect(coverage.note).toMatch(/no field of this message is proven/);
    // The failing signature's h= is still listed, as a claim.
    expect(coverage.signatures[0]!.headerSignature).toBe('fail');
    expect(coverage.signatures[0]!.positions.length).toBe(8);
  });

  it('lists h= names with no instance as signed absences', async () => {
    const bytes = sign(plain, { headers: ['from', 'subject', 'reply-to'] });
    const record = await recordOf(bytes);
    expect(messageCoverage(bytes, record.signatures).signatures[0]!.signedAbsent).toEqual(['reply-to']);
  });

  it('shows the tail an l= leaves unsigned, with its length', async () => {
    const signed = sign(plain, { bodyLength: 'whole' });
    const appended = "PS : merci d'effectuer le virement avant vendredi. IBAN FR76 3000 6000 0112 3456 7890 189\r\n";
    const forged = Buffer.concat([signed, Buffer.from(appended, 'utf8')]);
    const record = await recordOf(forged);
    expect(record.verdict).toBe('partially-verified');
    expect(record.reasons).toContain('body-length-limit');
    const [tail] = messageCoverage(forged, record.signatures).lTails;
    const l = record.signatures[0]!.l!;
    expect(tail).toMatchObject({ signature: 0, signedBytes: l, tailLength: Buffer.byteLength(appended), tail: appended, note: null });
    expect(tail!.totalBytes).toBe(l + Buffer.byteLength(appended));
  });

  it('decodes a tail inside a quoted-printable part', async () => {
    const qp = buildMessage({ contentType: 'text/plain; charset=utf-8', extraHeaders: ['Content-Transfer-Encoding: quoted-printable'], body: 'Bonjour,\r\n' });
    const signed = sign(qp, { bodyLength: 'whole' });
    const forged = Buffer.concat([signed, Buffer.from('PS : le virement =C3=A0 faire\r\n')]);
    const record = await recordOf(forged);
    const [tail] = messageCoverage(forged, record.signatures).lTails;
    expect(tail!.tail).toBe('PS : le virement à faire\r\n');
    expect(tail!.note).toMatch(/quoted-printable/);
  });
});

describe('messageView', () => {
  it('says in plain words that the headers are genuine and the body changed', async () => {
    const forged = tamper(sign(plain), 'The notes are attached.', 'The notes are NOT attached.');
    const record = await recordOf(forged);
    expect(record.reasons).toEqual(['body-hash-mismatch']);
    const view = messageView(forged, record);
    expect(view.explanation).toContain(REASON_EXPLANATIONS['body-hash-mismatch']);
    expect(view.text).toContain('The notes are NOT attached.');
    // Headers genuine: the header signature held, so the fields are marked.
    expect(view.fields.find((field) => field.name === 'From')!.signedBy).toEqual([0]);
  });

  it('says the body is intact when only a signed header changed', async () => {
    const forged = tamper(sign(plain), 'Subject: Réunion', 'Subject: Reunion');
    const record = await recordOf(forged);
    expect(record.reasons).toEqual(['signature-mismatch']);
    expect(messageView(forged, record).reasonExplanations).toEqual([{ reason: 'signature-mismatch', explanation: BODY_INTACT_HEADER_CHANGED }]);
  });

  it('gives To, Cc, the Date in its own zone beside UTC, the header section and the hash', async () => {
    const bytes = sign(plain);
    const view = messageView(bytes, await recordOf(bytes));
    expect(view).toMatchObject({ to: 'Bob <bob@press.example>', cc: 'Carol <carol@campaign.example>', date: { asWritten: 'Thu, 04 May 2017 10:00:00 +0200', utc: '2017-05-04T08:00:00.000Z', zone: '+0200' }, bytes: bytes.length });
    expect(view.headerSection.startsWith('DKIM-Signature:')).toBe(true);
    expect(view.headerSection.endsWith('\r\n\r\n')).toBe(true);
    expect(view.headerSectionTruncated).toBe(false);
  });

  it('gives the To, Cc and Date mail clients show (the top-most), as the listing does, and marks them unsigned', async () => {
    const added = Buffer.concat([Buffer.from('To: Editor <desk@rival.example>\r\nDate: Fri, 05 May 2017 09:00:00 -0500\r\n'), sign(plain)]);
    const record = await recordOf(added);
    expect(record.unsignedShown).toEqual(['date', 'to']);
    const view = messageView(added, record);
    expect(view).toMatchObject({ to: 'Editor <desk@rival.example>', cc: 'Carol <carol@campaign.example>', date: { asWritten: 'Fri, 05 May 2017 09:00:00 -0500', zone: '-0500' } });
    expect(view.unsignedThatMatter.map((field) => [field.name, field.value])).toEqual([['To', 'Editor <desk@rival.example>'], ['Date', 'Fri, 05 May 2017 09:00:00 -0500']]);
  });
});
