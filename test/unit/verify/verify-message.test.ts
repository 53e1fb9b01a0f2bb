import { describe, expect, it } from 'vitest';
import { signMessage, type SignOptions } from '../../../shared/dkim/sign.ts';
import type { Reason, Verdict } from '../../../shared/verdict/contract.ts';
import { verifyMessage } from '../../../shared/verify/verify-message.ts';
import { ed25519Key, rsaKey, staticResolver, type TestKey } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';
import { dkimpyBatchAvailable, dkimpyVerifyBatch } from '../../helpers/dkimpy-batch.ts';
import { mailauthVerify, type KeyMap } from '../../helpers/oracles.ts';

const SIGNED_AT = Date.parse('2017-05-04T08:00:00Z') / 1000;
const VERIFY_AT = new Date('2026-11-21T00:00:00Z');
const rsa = rsaKey(2048);
const otherRsa = rsaKey(1024);
const weak = rsaKey(512);
const ed = ed25519Key();

function sign(message: Buffer, key: TestKey, options: Partial<SignOptions> = {}): Buffer {
  return signMessage(message, { domain: 'campaign.example', selector: 'mail2017', privateKey: key.privateKey, timestamp: SIGNED_AT, ...options });
}

const keys: KeyMap = {
  'mail2017._domainkey.campaign.example': rsa.record,
  'ed2017._domainkey.campaign.example': ed.record,
  'weak._domainkey.campaign.example': weak.record,
  'esp._domainkey.mailer.example': otherRsa.record,
  'old._domainkey.campaign.example': 'v=DKIM1; k=rsa; p=',
};

interface Case {
  name: string;
  message: () => Buffer;
  verdict: Verdict;
  reasons: Reason[];
  /** Per signature: does it verify (body and header)? What dkimpy and mailauth must also say. */
  signaturesPass: boolean[];
  /** mailauth reports sha1 and weak keys as policy results rather than pass. */
  mailauthComparable?: boolean;
}

const cases: Case[] = [
  { name: 'rsa-sha256 relaxed, aligned, every protected header signed', message: () => sign(buildMessage(), rsa), verdict: 'verified', reasons: [], signaturesPass: [true] },
  { name: 'ed25519-sha256', message: () => sign(buildMessage(), ed, { algorithm: 'ed25519-sha256', selector: 'ed2017' }), verdict: 'verified', reasons: [], signaturesPass: [true] },
  { name: 'simple/simple', message: () => sign(buildMessage(), rsa, { canonicalization: 'simple/simple' }), verdict: 'verified', reasons: [], signaturesPass: [true] },
  { name: 'signer is a subdomain of the From domain (same organisation)', message: () => sign(buildMessage(), rsa, { domain: 'campaign.example' }), verdict: 'verified', reasons: [], signaturesPass: [true] },
  {
    name: 'latin-1 8-bit body, signed as sent',
    message: () => sign(buildMessage({ contentType: 'text/plain; charset=iso-8859-1', body: Buffer.from('R\xe9union \xe0 l\'\xc9lys\xe9e\r\n', 'latin1') }), rsa),
    verdict: 'verified', reasons: [], signaturesPass: [true],
  },
  {
    name: 'signed with CRLF, stored with LF (mbox export)',
    message: () => Buffer.from(sign(buildMessage(), rsa).toString('latin1').replace(/\r\n/g, '\n'), 'latin1'),
    verdict: 'verified', reasons: [], signaturesPass: [true],
  },
  { name: 'body altered after signing', message: () => tamper(sign(buildMessage(), rsa), 'The notes are attached.', 'The notes are attached. Wire 50,000 EUR.'), verdict: 'failed', reasons: ['body-hash-mismatch'], signaturesPass: [false] },
  { name: 'signed Subject altered', message: () => tamper(sign(buildMessage(), rsa), 'Subject: Meeting notes', 'Subject: Offshore account'), verdict: 'failed', reasons: ['signature-mismatch'], signaturesPass: [false] },
  { name: 'From altered', message: () => tamper(sign(buildMessage(), rsa), 'alice@campaign.example', 'eve@campaign.example'), verdict: 'failed', reasons: ['signature-mismatch'], signaturesPass: [false] },
  {
    name: 'l= with text appended after signing',
    message: () => {
      const signed = sign(buildMessage(), rsa, { bodyLength: 'whole' });
      return Buffer.concat([signed, Buffer.from('P.S. Transfer the funds today.\r\n')]);
    },
    verdict: 'partially-verified', reasons: ['body-length-limit'], signaturesPass: [true],
  },
  { name: 'l= covering the whole body proves the whole body', message: () => sign(buildMessage(), rsa, { bodyLength: 'whole' }), verdict: 'verified', reasons: [], signaturesPass: [true] },
  { name: '512-bit key', message: () => sign(buildMessage(), weak, { selector: 'weak' }), verdict: 'partially-verified', reasons: ['weak-key'], signaturesPass: [true], mailauthComparable: false },
  { name: 'rsa-sha1', message: () => sign(buildMessage(), rsa, { algorithm: 'rsa-sha1' }), verdict: 'partially-verified', reasons: ['sha1'], signaturesPass: [true], mailauthComparable: false },
  { name: 'signer of another organisation', message: () => sign(buildMessage(), otherRsa, { domain: 'mailer.example', selector: 'esp' }), verdict: 'partially-verified', reasons: ['signer-not-aligned'], signaturesPass: [true] },
  {
    name: 'a second Subject added above the signed one',
    message: () => Buffer.concat([Buffer.from('Subject: URGENT: resign now\r\n'), sign(buildMessage(), rsa)]),
    verdict: 'partially-verified', reasons: ['unsigned-header', 'duplicate-header'], signaturesPass: [true],
  },
  { name: 'Cc present but not signed', message: () => sign(buildMessage({ cc: 'carol@press.example' }), rsa, { headers: ['from', 'to', 'subject', 'date'] }), verdict: 'partially-verified', reasons: ['unsigned-header'], signaturesPass: [true] },
  {
    name: 'x= before the message was received',
    message: () => sign(buildMessage({ received: 'from mx by mx.press.example; Fri, 05 May 2017 10:00:00 +0000' }), rsa, { expiresAt: SIGNED_AT + 3600 }),
    verdict: 'partially-verified', reasons: ['signature-expired'], signaturesPass: [true],
  },
  {
    name: 'x= after receipt is not expired, however old the message is today',
    message: () => sign(buildMessage({ received: 'from mx by mx.press.example; Thu, 04 May 2017 08:30:00 +0000' }), rsa, { expiresAt: SIGNED_AT + 86400 }),
    verdict: 'verified', reasons: [], signaturesPass: [true],
  },
  { name: 'key missing', message: () => sign(buildMessage(), rsa, { selector: 'gone' }), verdict: 'unverified', reasons: ['key-unavailable'], signaturesPass: [false] },
  { name: 'key revoked (empty p=)', message: () => sign(buildMessage(), rsa, { selector: 'old' }), verdict: 'unverified', reasons: ['key-revoked'], signaturesPass: [false] },
  { name: 'unsigned', message: () => buildMessage(), verdict: 'unverified', reasons: ['no-signature'], signaturesPass: [] },
  {
    name: 'two signatures, the ESP one broken by a later header change, the author one intact',
    message: () => {
      const esp = sign(buildMessage({ extraHeaders: ['List-Id: <press.lists.example>'] }), otherRsa, { domain: 'mailer.example', selector: 'esp', headers: ['from', 'list-id'] });
      return tamper(sign(esp, rsa), 'List-Id: <press.lists.example>', 'List-Id: <other.lists.example>');
    },
    verdict: 'verified', reasons: [], signaturesPass: [true, false],
  },
];

describe('verifyMessage', () => {
  for (const testCase of cases) {
    it(`${testCase.name} → ${testCase.verdict} ${testCase.reasons.join(',')}`, async () => {
      const message = testCase.message();
      const result = await verifyMessage({ bytes: message }, staticResolver(keys), VERIFY_AT);
      expect({ verdict: result.verdict, reasons: result.reasons }).toEqual({ verdict: testCase.verdict, reasons: testCase.reasons });
      expect(result.signatures.map((signature) => signature.status === 'pass')).toEqual(testCase.signaturesPass);
      expect(result.verifiedAt).toBe(VERIFY_AT.toISOString());
    });
  }

  it('tells "headers genuine, body altered" from "does not match at all"', async () => {
    const signed = sign(buildMessage(), rsa);
    const bodyAltered = await verifyMessage({ bytes: tamper(signed, 'Alice\r\n', 'Eve\r\n') }, staticResolver(keys), VERIFY_AT);
    expect(bodyAltered.signatures[0]).toMatchObject({ status: 'body-hash-mismatch', bodyHash: 'fail', headerSignature: 'pass' });
    const both = await verifyMessage({ bytes: tamper(tamper(signed, 'Alice\r\n', 'Eve\r\n'), 'Meeting', 'Greeting') }, staticResolver(keys), VERIFY_AT);
    expect(both.signatures[0]).toMatchObject({ status: 'signature-mismatch', bodyHash: 'fail', headerSignature: 'fail' });
  });

  it('reports the evidence of each signature', async () => {
    const result = await verifyMessage({ bytes: sign(buildMessage(), rsa, { expiresAt: SIGNED_AT + 86400 }) }, staticResolver(keys), VERIFY_AT);
    expect(result.signatures[0]).toMatchObject({
      d: 'campaign.example', s: 'mail2017', a: 'rsa-sha256', c: 'relaxed/relaxed', t: SIGNED_AT, x: SIGNED_AT + 86400, l: null,
      bodyHash: 'pass', headerSignature: 'pass',
      key: { source: 'archive', keyType: 'rsa', bits: 2048, record: rsa.record },
    });
    expect(result.signatures[0]!.h).toEqual(['from', 'to', 'subject', 'date', 'message-id', 'mime-version', 'content-type']);
  });

  it('answers dns-error when the lookup itself fails', async () => {
    const result = await verifyMessage({ bytes: sign(buildMessage(), rsa) }, staticResolver({ 'mail2017._domainkey.campaign.example': null }), VERIFY_AT);
    expect([result.verdict, result.reasons]).toEqual(['unverified', ['dns-error']]);
  });

  it('tries every archived key of a selector rotated in place', async () => {
    const result = await verifyMessage({ bytes: sign(buildMessage(), rsa) }, staticResolver({ 'mail2017._domainkey.campaign.example': [otherRsa.record, rsa.record] }), VERIFY_AT);
    expect(result.verdict).toBe('verified');
    expect(result.signatures[0]!.key!.record).toBe(rsa.record);
  });

  it('verifies an mbox message through the other reading of an ambiguous >From line, and says which', async () => {
    const original = sign(buildMessage({ body: 'Forwarded:\r\n>From the minister: no comment.\r\n' }), rsa);
    const unquoted = tamper(original, '>From the minister', 'From the minister');
    const result = await verifyMessage({ bytes: unquoted, alternateReadings: [{ name: 'as-stored', bytes: original }] }, staticResolver(keys), VERIFY_AT);
    expect(result.verdict).toBe('verified');
    expect(result.signatures[0]!.mboxReading).toBe('as-stored');
  });

  it('a signature by a key compromised before the verification clock proves nothing by itself: key-compromised', async () => {
    const message = sign(buildMessage(), rsa);
    const compromised = (compromisedAt: string) => ({
      async resolve(domain: string, selector: string) {
        return { status: 'found' as const, keys: [{ domain, selector, value: rsa.record, firstSeenAt: null, lastSeenAt: null, source: 'test', compromisedAt, via: 'archive' as const }] };
      },
    });
    const after = await verifyMessage({ bytes: message }, compromised('2026-01-01T00:00:00.000Z'), VERIFY_AT);
    expect(after).toMatchObject({ verdict: 'partially-verified', reasons: ['key-compromised'] });
    expect(after.signatures[0]!.key!.compromisedAt).toBe('2026-01-01T00:00:00.000Z');
    // Held (ingested, or vouched with --at) before the key was out: the signature still proves the message.
    const before = await verifyMessage({ bytes: message }, compromised('2027-01-01T00:00:00.000Z'), VERIFY_AT);
    expect(before).toMatchObject({ verdict: 'verified', reasons: [] });
  });

  it('gives a parse-error for bytes that are not a message', async () => {
    const result = await verifyMessage({ bytes: Buffer.from('%PDF-1.7\n\x00\x01binary') }, staticResolver(keys), VERIFY_AT);
    expect([result.verdict, result.reasons]).toEqual(['error', ['parse-error']]);
  });

  it('ignores legacy DomainKey-Signature headers', async () => {
    const message = Buffer.concat([Buffer.from('DomainKey-Signature: a=rsa-sha1; q=dns; c=nofws; s=old; d=campaign.example; b=AAAA\r\n'), buildMessage()]);
    const result = await verifyMessage({ bytes: message }, staticResolver(keys), VERIFY_AT);
    expect([result.verdict, result.reasons, result.signatures]).toEqual(['unverified', ['no-signature'], []]);
  });
});

describe('differential: the same fixtures through dkimpy and mailauth', () => {
  const oracleTime = new Date(SIGNED_AT * 1000 + 60_000);
  it.skipIf(!dkimpyBatchAvailable)('dkimpy agrees on every signature of every fixture', () => {
    const results = dkimpyVerifyBatch(cases.map((testCase) => testCase.message()), keys, oracleTime.getTime() / 1000, 512);
    cases.forEach((testCase, i) => expect(results[i]!.signatures.map((signature) => signature.pass), testCase.name).toEqual(testCase.signaturesPass));
  });
  it('mailauth agrees on every signature of every fixture it judges the same way', async () => {
    for (const testCase of cases.filter((c) => c.mailauthComparable !== false)) {
      expect(await mailauthVerify(testCase.message(), keys, oracleTime), testCase.name).toEqual(testCase.signaturesPass);
    }
  });
});
