/**
 * ARC (RFC 8617) through the verifier: chains sealed by mailauth with keys made here, validated by Leakproof and
 * by mailauth as the oracle, then attacked. A valid chain's sealer vouching dkim=pass for the From domain adds
 * the attestation arc-attested beside a failed or unverified verdict, never changes the verdict.
 */
import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../../shared/dkim/header-fields.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { verifyMessage } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';
import type { KeyMap } from '../../helpers/oracles.ts';
import { mailauthArc, sealed, type SealOptions } from './arc-fixtures.ts';

const SIGNED_AT = Date.parse('2017-05-04T08:00:00Z') / 1000;
const VERIFY_AT = new Date('2026-11-21T00:00:00Z');
const author = rsaKey(1024);
const list = rsaKey(1024);
const forwarder = rsaKey(1024);
const impostor = rsaKey(1024);

const keys: KeyMap = {
  'mail._domainkey.campaign.example': author.record,
  'arc._domainkey.lists.example': list.record,
  'arc._domainkey.forward.example': forwarder.record,
};

const ATTESTS_AUTHOR = 'mx.lists.example; dkim=pass header.d=campaign.example header.s=mail; spf=pass smtp.mailfrom=alice@campaign.example';
const byList = (authResults = ATTESTS_AUTHOR, extra: Partial<SealOptions> = {}): SealOptions => ({ domain: 'lists.example', selector: 'arc', key: list, authResults, cv: 'none', ...extra });
const byForwarder = (extra: Partial<SealOptions> = {}): SealOptions => ({ domain: 'forward.example', selector: 'arc', key: forwarder, authResults: 'mx.forward.example; dkim=fail header.d=campaign.example; arc=pass', cv: 'pass', ...extra });

const signed = () => signMessage(buildMessage(), { domain: 'campaign.example', selector: 'mail', privateKey: author.privateKey, timestamp: SIGNED_AT });
/** What a mailing list does: checks DKIM, appends a footer (breaking the body hash), then seals. */
const listFooter = (message: Buffer) => Buffer.concat([message, Buffer.from('--\r\nYou are subscribed to press@lists.example\r\n')]);

function verify(message: Buffer, keyMap: KeyMap = keys) {
  return verifyMessage({ bytes: message }, staticResolver(keyMap), VERIFY_AT);
}

describe('ARC chains that validate', () => {
  it('a list that broke the body hash and sealed: failed stays failed, with arc-attested naming the sealer (mailauth: pass)', async () => {
    const message = await sealed(listFooter(signed()), byList());
    const result = await verify(message);
    expect(await mailauthArc(message, keys)).toBe('pass');
    expect(result.verdict).toBe('failed');
    expect(result.reasons).toEqual(['body-hash-mismatch', 'arc-attested']);
    expect(result.arc).toMatchObject({
      chain: 'pass',
      detail: null,
      attestation: { instance: 1, sealerDomain: 'lists.example', sealerSelector: 'arc', domain: 'campaign.example' },
    });
    expect(result.arc!.sets).toEqual([
      expect.objectContaining({
        instance: 1, cv: 'none', sealerDomain: 'lists.example', sealerSelector: 'arc', seal: 'pass', messageSignature: 'pass', authservId: 'mx.lists.example',
        claims: [{ method: 'dkim', result: 'pass', domain: 'campaign.example' }, { method: 'spf', result: 'pass', domain: 'campaign.example' }],
      }),
    ]);
    expect(result.detail).toContain('lists.example');
  });

  it('two sets: the older AMS is not re-checked (RFC 8617 §5.2), every seal is (mailauth: pass)', async () => {
    const twice = await sealed(tamper(await sealed(listFooter(signed()), byList()), 'Subject: Meeting notes', 'Subject: [press] Meeting notes'), byForwarder());
    const result = await verify(twice);
    expect(await mailauthArc(twice, keys)).toBe('pass');
    expect(result.arc!.chain).toBe('pass');
    expect(result.arc!.sets.map((set) => [set.instance, set.seal, set.messageSignature])).toEqual([[1, 'pass', 'not-checked'], [2, 'pass', 'pass']]);
    // The forwarder saw DKIM fail; the list, earlier, saw it pass: the attestation is the list's.
    expect(result.arc!.attestation).toMatchObject({ instance: 1, sealerDomain: 'lists.example' });
    expect(result.verdict).toBe('failed');
    expect(result.reasons).toContain('arc-attested');
  });

  it('an unverifiable DKIM (key gone) with a valid attesting chain: unverified, arc-attested', async () => {
    const message = await sealed(signed(), byList());
    const { 'mail._domainkey.campaign.example': _gone, ...withoutAuthorKey } = keys;
    const result = await verify(message, withoutAuthorKey);
    expect(await mailauthArc(message, withoutAuthorKey)).toBe('pass');
    expect([result.verdict, result.reasons]).toEqual(['unverified', ['key-unavailable', 'arc-attested']]);
  });

  it('an Outlook item: a chain whose newest AMS holds over the headers only does not validate (RFC 8617 §5.2 checks its bh=), so it attests nothing', async () => {
    const message = await sealed(listFooter(signed()), byList());
    const { 'mail._domainkey.campaign.example': _gone, ...keyGone } = keys;
    // As mail (the author's key gone): unverified, and the valid chain attests (the control).
    expect((await verify(message, keyGone)).reasons).toEqual(['key-unavailable', 'arc-attested']);
    // As an Outlook item: the genuine transport headers, any body at all.
    const headers = message.subarray(0, splitMessage(message).bodyStart);
    const rebuilt = Buffer.from('From: Alice Martin <alice@campaign.example>\r\nSubject: Meeting notes\r\n\r\nWire 50,000 EUR today.\r\n');
    const result = await verifyMessage({ bytes: rebuilt, outlook: { transportHeaders: headers } }, staticResolver(keyGone), VERIFY_AT);
    expect(result.verdict).toBe('unverified');
    expect(result.reasons).toEqual(['key-unavailable']);
    expect(result.arc).toMatchObject({ attestation: null, sets: [expect.objectContaining({ messageSignature: 'headers-pass', seal: 'pass' })] });
  });

  it('a verified message keeps its verdict and gains nothing: the chain is evidence only', async () => {
    const result = await verify(await sealed(signed(), byList()));
    expect([result.verdict, result.reasons, result.arc!.chain]).toEqual(['verified', [], 'pass']);
    expect(result.arc!.attestation).not.toBeNull();
  });

  it('no ARC fields: chain none', async () => {
    const result = await verify(signed());
    expect(result.arc).toEqual({ chain: 'none', detail: null, sets: [], attestation: null });
  });
});

describe('ARC forgeries', () => {
  const expectNoAttestation = async (message: Buffer, keyMap: KeyMap = keys) => {
    const result = await verify(message, keyMap);
    expect(result.reasons).not.toContain('arc-attested');
    expect(result.arc!.attestation).toBeNull();
    return result;
  };

  it('a set sealed by a key that does not match the published one fails the chain (mailauth: fail)', async () => {
    const message = await sealed(listFooter(signed()), byList(ATTESTS_AUTHOR, { key: impostor }));
    expect(await mailauthArc(message, keys)).toBe('fail');
    const result = await expectNoAttestation(message);
    expect(result.verdict).toBe('failed');
    expect(result.arc).toMatchObject({ chain: 'fail' });
    // The message signature was made with the same wrong key: the newest AMS fails first.
    expect(result.arc!.detail).toMatch(/i=1: the newest ARC-Message-Signature does not verify/);
  });

  it('a seal alone by the wrong key (the AMS genuine) fails on the seal', async () => {
    const genuine = await sealed(listFooter(signed()), byList());
    const other = await sealed(listFooter(signed()), byList(ATTESTS_AUTHOR, { key: impostor }));
    const sealLine = (message: Buffer) => message.toString('latin1').match(/^ARC-Seal:[^]*?(?=^ARC-Message-Signature)/m)![0];
    const forged = tamper(genuine, sealLine(genuine), sealLine(other).replace(/t=\d+/, genuine.toString('latin1').match(/ARC-Seal:[^]*?(t=\d+)/)![1]!));
    expect(await mailauthArc(forged, keys)).toBe('fail');
    const result = await expectNoAttestation(forged);
    expect(result.arc!.detail).toMatch(/i=1: the ARC-Seal does not verify/);
    expect(result.arc!.sets[0]).toMatchObject({ messageSignature: 'pass', seal: 'fail' });
  });

  it('a chain with a gap (i=1 then i=3) fails without a key lookup (mailauth: fail)', async () => {
    const message = await sealed(await sealed(listFooter(signed()), byList()), byForwarder({ instance: 3 }));
    expect(await mailauthArc(message, keys)).toBe('fail');
    const result = await expectNoAttestation(message);
    expect(result.arc).toMatchObject({ chain: 'fail', detail: 'i=2: no ARC-Seal (the chain has a gap)', sets: [] });
  });

  it('cv=pass on i=1 fails the chain (mailauth: fail)', async () => {
    const message = await sealed(listFooter(signed()), byList(ATTESTS_AUTHOR, { cv: 'pass' }));
    expect(await mailauthArc(message, keys)).toBe('fail');
    expect((await expectNoAttestation(message)).arc).toMatchObject({ chain: 'fail', detail: 'i=1: cv=pass, expected cv=none' });
  });

  it('a newest seal saying cv=fail fails the chain (mailauth: fail)', async () => {
    const message = await sealed(await sealed(listFooter(signed()), byList()), byForwarder({ cv: 'fail' }));
    expect(await mailauthArc(message, keys)).toBe('fail');
    expect((await expectNoAttestation(message)).arc!.chain).toBe('fail');
  });

  it('an AAR claiming dkim=pass for another domain attests nothing, though the chain is valid', async () => {
    const message = await sealed(listFooter(signed()), byList('mx.lists.example; dkim=pass header.d=lists.example'));
    expect(await mailauthArc(message, keys)).toBe('pass');
    const result = await expectNoAttestation(message);
    expect(result.arc!.chain).toBe('pass');
    expect(result.verdict).toBe('failed');
  });

  it('a claim for a look-alike under a shared suffix attests nothing (campaign.example.uk.com vs campaign.uk.com)', async () => {
    const original = signMessage(buildMessage({ from: 'Alice <alice@campaign.uk.com>' }), { domain: 'campaign.uk.com', selector: 'mail', privateKey: author.privateKey });
    const message = await sealed(listFooter(original), byList('mx.lists.example; dkim=pass header.d=attacker.uk.com'));
    const result = await expectNoAttestation(message, { ...keys, 'mail._domainkey.campaign.uk.com': author.record });
    expect(result.arc!.chain).toBe('pass');
  });

  it('an AAR rewritten after sealing to claim the From domain breaks the seal', async () => {
    const message = await sealed(listFooter(signed()), byList('mx.lists.example; dkim=pass header.d=other.example'));
    const forged = tamper(message, 'header.d=other.example', 'header.d=campaign.example');
    expect(await mailauthArc(forged, keys)).toBe('fail');
    const result = await expectNoAttestation(forged);
    expect(result.arc!.detail).toMatch(/ARC-Seal does not verify/);
  });

  it('a header changed after sealing breaks the newest AMS (mailauth: fail)', async () => {
    const forged = tamper(await sealed(listFooter(signed()), byList()), 'Subject: Meeting notes', 'Subject: Offshore account');
    expect(await mailauthArc(forged, keys)).toBe('fail');
    expect((await expectNoAttestation(forged)).arc!.detail).toMatch(/i=1: the newest ARC-Message-Signature does not verify/);
  });

  it('a duplicated set fails the chain', async () => {
    const message = await sealed(listFooter(signed()), byList());
    const text = message.toString('latin1');
    const aar = text.match(/^ARC-Authentication-Results:[^\r]*\r\n/m)![0];
    const result = await expectNoAttestation(Buffer.from(aar + text, 'latin1'));
    expect(result.arc).toMatchObject({ chain: 'fail', detail: 'i=1: more than one ARC-Authentication-Results' });
  });

  it('more than 50 sets fail before any key is looked up', async () => {
    const sets = Array.from({ length: 51 }, (_, i) => `ARC-Seal: i=${i + 1}; a=rsa-sha256; cv=pass; d=x${i}.example; s=s; b=AAAA\r\n`).join('');
    let lookups = 0;
    const counting = { resolve: async () => (lookups++, { status: 'none' as const, detail: 'none' }) };
    const result = await verifyMessage({ bytes: Buffer.concat([Buffer.from(sets), buildMessage()]) }, counting, VERIFY_AT);
    expect(result.arc).toMatchObject({ chain: 'fail', detail: 'ARC-Seal i= is not an instance (1 to 50)' });
    expect(lookups).toBe(0);
  });

  it('ARC fields over 256 KiB in all are refused by size, not hashed', async () => {
    const big = `ARC-Authentication-Results: i=1; mx.example; dkim=pass header.d=campaign.example; x=${'y'.repeat(300 * 1024)}\r\n`;
    const result = await verify(Buffer.concat([Buffer.from(big), await sealed(listFooter(signed()), byList())]));
    expect(result.arc!.chain).toBe('fail');
    expect(result.arc!.detail).toMatch(/over the limit of 262144/);
  });
});
