/**
 * Outlook items: Outlook keeps the original header section (PR_TRANSPORT_MESSAGE_HEADERS) and re-serialises the
 * body, so a signature's header hash is checked against the transport headers and the body hash never is. Such
 * an item is at best partially-verified (headers-only), never verified, whatever its rebuilt bytes hold.
 */
import { describe, expect, it } from 'vitest';
import { signMessage, type SignOptions } from '../../../shared/dkim/sign.ts';
import { splitMessage } from '../../../shared/dkim/header-fields.ts';
import { verifyMessage } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage, tamper, type MessageParts } from '../../helpers/messages.ts';
import { mailauthVerify, type KeyMap } from '../../helpers/oracles.ts';

const SIGNED_AT = Date.parse('2017-05-04T08:00:00Z') / 1000;
const VERIFY_AT = new Date('2026-11-21T00:00:00Z');
const campaign = rsaKey(1024);
const esp = rsaKey(1024);
const keys: KeyMap = { 'sel._domainkey.campaign.example': campaign.record, 'sel._domainkey.mailer.example': esp.record };

function sign(message: Buffer, options: Partial<SignOptions> = {}): Buffer {
  return signMessage(message, { domain: 'campaign.example', selector: 'sel', privateKey: campaign.privateKey, timestamp: SIGNED_AT, ...options });
}

/** An Outlook item as the container readers give it: the rebuilt message, and the original header section. */
function outlookItem(original: Buffer, rebuiltBody = 'Hello Bob,\r\n\r\nThe notes are attached.\r\n') {
  const headers = original.subarray(0, splitMessage(original).bodyStart);
  const rebuilt = Buffer.concat([Buffer.from('From: Alice Martin <alice@campaign.example>\r\nSubject: Meeting notes\r\nContent-Type: text/html\r\n\r\n'), Buffer.from(`<p>${rebuiltBody}</p>`)]);
  return { bytes: rebuilt, outlook: { transportHeaders: headers } };
}

const verify = (item: Parameters<typeof verifyMessage>[0]) => verifyMessage(item, staticResolver(keys), VERIFY_AT);
const genuine = (parts: MessageParts = {}, options: Partial<SignOptions> = {}) => sign(buildMessage(parts), options);

describe('headers-only verification of Outlook items', () => {
  it('a signature whose header hash holds over the transport headers: partially-verified, headers-only, body not checked', async () => {
    const original = genuine();
    expect(await mailauthVerify(original, keys, new Date(SIGNED_AT * 1000))).toEqual([true]);
    const result = await verify(outlookItem(original));
    expect([result.verdict, result.reasons]).toEqual(['partially-verified', ['headers-only']]);
    expect(result.signatures[0]).toMatchObject({ status: 'headers-pass', bodyHash: 'not-checked', headerSignature: 'pass', bodyLength: null, reasons: ['headers-only'] });
    expect(result.signatures[0]!.detail).toMatch(/body cannot be checked/);
  });

  it('forgery: genuine transport headers with an altered rebuilt body are never verified', async () => {
    const result = await verify(outlookItem(genuine(), 'Wire 50,000 EUR to the account below.'));
    expect(result.verdict).toBe('partially-verified');
    expect(result.reasons).toContain('headers-only');
  });

  it('forgery: a rebuilt message that is the whole genuine original is still judged on headers only, never verified', async () => {
    const original = genuine();
    const result = await verify({ bytes: original, outlook: { transportHeaders: original.subarray(0, splitMessage(original).bodyStart) } });
    expect([result.verdict, result.reasons]).toEqual(['partially-verified', ['headers-only']]);
  });

  it('forgery: a transport header section with a signed field altered fails (signature-mismatch)', async () => {
    const forged = outlookItem(tamper(genuine(), 'Subject: Meeting notes', 'Subject: Offshore account'));
    const result = await verify(forged);
    expect([result.verdict, result.reasons]).toEqual(['failed', ['signature-mismatch']]);
    expect(result.signatures[0]).toMatchObject({ status: 'signature-mismatch', headerSignature: 'fail', bodyHash: 'not-checked' });
  });

  it('transport headers holding 8-bit characters: a failing signature is unverified (headers-reencoded), a passing one still holds', async () => {
    // Outlook keeps transport headers as text: a raw Latin-1 Subject may come back as other bytes, so a failure
    // over them is no proof of alteration.
    const original = genuine({ subject: 'R\u00e9union' });
    const reencoded = Buffer.from(original.toString('latin1'), 'utf8');
    const failing = await verify(outlookItem(reencoded));
    expect([failing.verdict, failing.reasons]).toEqual(['unverified', ['headers-reencoded']]);
    expect((await verify(outlookItem(original))).verdict).toBe('partially-verified');
    // The same failure over ASCII-only headers is an alteration, as before.
    expect((await verify(outlookItem(tamper(genuine(), 'Subject: Meeting notes', 'Subject: Offshore account')))).verdict).toBe('failed');
  });

  it('forgery: a bh= rewritten in the transport headers (to match a forged body) breaks the header hash, which covers bh= as written', async () => {
    const original = genuine();
    const bh = original.toString('latin1').match(/bh=([A-Za-z0-9+/=]+)/)![1]!;
    const result = await verify(outlookItem(tamper(original, `bh=${bh}`, `bh=${Buffer.alloc(32, 7).toString('base64')}`)));
    expect([result.verdict, result.reasons]).toEqual(['failed', ['signature-mismatch']]);
  });

  it('the header rules apply to the transport headers: a From added above the signed one, an unaligned signer', async () => {
    const duplicated = Buffer.concat([Buffer.from('From: ceo@campaign.example\r\n'), genuine()]);
    expect((await verify(outlookItem(duplicated))).reasons).toEqual(['unsigned-header', 'duplicate-header', 'headers-only']);
    const unaligned = genuine({}, { domain: 'mailer.example', privateKey: esp.privateKey });
    expect((await verify(outlookItem(unaligned))).reasons).toEqual(['signer-not-aligned', 'headers-only']);
    const malformed = Buffer.concat([Buffer.from('X-Note: x\rFrom: ceo@campaign.example\r\n'), genuine()]);
    expect((await verify(outlookItem(malformed))).reasons).toEqual(['malformed-header', 'headers-only']);
  });

  it('l= cannot be judged without the body: the reason is headers-only, not a body-length verdict', async () => {
    const result = await verify(outlookItem(genuine({}, { bodyLength: 5 })));
    expect([result.verdict, result.reasons]).toEqual(['partially-verified', ['headers-only']]);
  });

  it('an item without transport headers (a draft, a sent item) is unverified: no-transport-headers, even if its rebuild carries a signature', async () => {
    const draft = await verify({ bytes: genuine(), outlook: { transportHeaders: null } });
    expect(draft).toMatchObject({ verdict: 'unverified', reasons: ['no-transport-headers'], signatures: [], arc: null });
    expect(draft.detail).toMatch(/without transport headers/);
    const empty = await verify({ bytes: genuine(), outlook: { transportHeaders: Buffer.from('\r\n') } });
    expect([empty.verdict, empty.reasons]).toEqual(['unverified', ['no-transport-headers']]);
  });

  it('transport headers without a signature are unverified: no-signature', async () => {
    const result = await verify(outlookItem(buildMessage()));
    expect([result.verdict, result.reasons]).toEqual(['unverified', ['no-signature']]);
  });

  it('the receipt time is read from the transport headers', async () => {
    const result = await verify(outlookItem(genuine({ received: 'from a by mx.press.example; Thu, 04 May 2017 08:30:00 +0000' })));
    expect(result.receivedAt).toBe('2017-05-04T08:30:00.000Z');
  });
});
