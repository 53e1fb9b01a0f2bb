/**
 * Time and header forensics: evidence beside the verdict. Each flag is tried on a message that must raise it
 * and one just inside its tolerance that must not; the parsers are fed hostile sizes and must stay linear.
 */
import { describe, expect, it } from 'vitest';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { splitMessage } from '../../../shared/dkim/header-fields.ts';
import type { MessageEntry } from '../../../shared/dump/entry.ts';
import { messageForensics } from '../../../shared/forensics/message-forensics.ts';
import { MAX_HOPS } from '../../../shared/forensics/received-chain.ts';
import { verifyEntry } from '../../../shared/pipeline/verify-entry.ts';
import { createVerifier, verifyMessage } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage, type MessageParts } from '../../helpers/messages.ts';

const SIGNED_AT = Date.parse('2017-05-04T08:00:00Z') / 1000;
const VERIFY_AT = new Date('2026-11-21T00:00:00Z');
const campaign = rsaKey(1024);
const keys = { 'sel._domainkey.campaign.example': campaign.record };

const hop = (from: string, by: string, date: string) => `Received: from ${from} (${from} [192.0.2.1]) by ${by} with ESMTPS id 1; ${date}`;

/** The forensics of a message signed at SIGNED_AT with the given Date and Received fields (newest first), and how long they took. */
async function timedForensicsOf(parts: MessageParts & { received?: never } = {}, received: string[] = []) {
  const signed = signMessage(buildMessage(parts), { domain: 'campaign.example', selector: 'sel', privateKey: campaign.privateKey, timestamp: SIGNED_AT });
  const message = Buffer.concat([Buffer.from(received.map((line) => line + '\r\n').join('')), signed]);
  const verdict = await verifyMessage({ bytes: message }, staticResolver(keys), VERIFY_AT);
  const fields = splitMessage(message).fields;
  const started = performance.now();
  const forensics = messageForensics(fields, verdict.signatures, VERIFY_AT);
  return { forensics, ms: performance.now() - started };
}

const forensicsOf = async (parts: MessageParts & { received?: never } = {}, received: string[] = []) => (await timedForensicsOf(parts, received)).forensics;

const codes = (flags: string[]) => flags.map((flag) => flag.slice(0, flag.indexOf(':')));

describe('signed time', () => {
  it('shows a verifying signature\'s t= and how far the Date is from it', async () => {
    const forensics = await forensicsOf({ date: 'Thu, 04 May 2017 10:00:00 +0200' });
    expect(forensics.signedTimes).toEqual([{ signature: 0, d: 'campaign.example', t: SIGNED_AT, dateOffsetSeconds: 0 }]);
    expect(forensics.flags).toEqual([]);
  });

  it('flags a Date more than a day from the signed time, in either direction; not one within a day', async () => {
    const backdated = await forensicsOf({ date: 'Mon, 01 May 2017 10:00:00 +0200' });
    expect(codes(backdated.flags)).toEqual(['date-far-from-signed-time']);
    expect(backdated.flags[0]).toMatch(/3\.0 days before the signed time t= of d=campaign\.example/);
    expect(codes((await forensicsOf({ date: 'Sat, 06 May 2017 10:00:00 +0200' })).flags)).toEqual(['date-far-from-signed-time']);
    expect((await forensicsOf({ date: 'Fri, 05 May 2017 07:00:00 +0200' })).flags).toEqual([]);
  });

  it('takes no time from a signature whose header signature does not hold', async () => {
    const signed = signMessage(buildMessage({ date: 'Mon, 01 May 2017 10:00:00 +0200' }), { domain: 'campaign.example', selector: 'sel', privateKey: campaign.privateKey, timestamp: SIGNED_AT });
    const forged = Buffer.from(signed.toString('latin1').replace('Subject: Meeting notes', 'Subject: Other'), 'latin1');
    const verdict = await verifyMessage({ bytes: forged }, staticResolver(keys), VERIFY_AT);
    expect(messageForensics(splitMessage(forged).fields, verdict.signatures, VERIFY_AT).signedTimes).toEqual([]);
  });
});

describe('Received chain', () => {
  const chain = [
    hop('mx.campaign.example', 'mx.press.example', 'Thu, 04 May 2017 08:02:00 +0000'),
    hop('laptop', 'mx.campaign.example', 'Thu, 04 May 2017 08:00:30 +0000'),
  ];

  it('lists hops oldest first with from, by and time', async () => {
    const forensics = await forensicsOf({}, chain);
    expect(forensics.received).toEqual({
      hops: [
        { from: 'laptop', by: 'mx.campaign.example', at: '2017-05-04T08:00:30.000Z' },
        { from: 'mx.campaign.example', by: 'mx.press.example', at: '2017-05-04T08:02:00.000Z' },
      ],
      unread: 0,
    });
    expect(forensics.flags).toEqual([]);
  });

  it('flags a hop dated before the one before it beyond the clock-skew tolerance, not within it', async () => {
    const outOfOrder = [hop('mx.campaign.example', 'mx.press.example', 'Thu, 04 May 2017 07:00:00 +0000'), chain[1]!];
    expect(codes((await forensicsOf({}, outOfOrder)).flags)).toEqual(['hop-out-of-order']);
    const skewed = [hop('mx.campaign.example', 'mx.press.example', 'Thu, 04 May 2017 07:50:00 +0000'), chain[1]!];
    expect((await forensicsOf({}, skewed)).flags).toEqual([]);
  });

  it('flags a gap of more than a day between hops, a hop in the future, and a Date more than a day before the first hop', async () => {
    const gap = [hop('mx.campaign.example', 'mx.press.example', 'Sat, 06 May 2017 08:02:00 +0000'), chain[1]!];
    expect(codes((await forensicsOf({}, gap)).flags)).toEqual(['hop-gap']);
    const future = [hop('mx.campaign.example', 'mx.press.example', 'Thu, 04 May 2030 08:02:00 +0000'), chain[1]!];
    expect(codes((await forensicsOf({}, future)).flags)).toEqual(['hop-in-future', 'hop-gap']);
    const early = await forensicsOf({ date: 'Tue, 02 May 2017 10:00:00 +0200' }, chain);
    expect(codes(early.flags)).toEqual(['date-far-from-signed-time', 'date-before-first-hop']);
  });

  it('reads at most 100 hops and counts the rest; a 1 MB Received is a hop with nothing read; both in linear time', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => hop(`h${i}.example`, `h${i + 1}.example`, 'Thu, 04 May 2017 08:00:00 +0000'));
    const huge = `Received: from ${'('.repeat(1_000_000)} by x; Thu, 04 May 2017 08:00:00 +0000`;
    const { forensics, ms } = await timedForensicsOf({}, [huge, ...many]);
    expect(ms).toBeLessThan(250);
    expect(forensics.received.hops).toHaveLength(MAX_HOPS);
    expect(forensics.received.unread).toBe(20_001 - MAX_HOPS);
    expect(forensics.received.hops.at(-1)).toEqual({ from: null, by: null, at: null });
  });
});

describe('Message-ID, mailer and time zone', () => {
  it('compares the Message-ID host with the signer and the first hop', async () => {
    const own = await forensicsOf({ messageId: '<1@mail.campaign.example>' });
    expect([own.messageIdHost, own.messageIdMatchesSender, own.flags]).toEqual(['mail.campaign.example', true, []]);
    const other = await forensicsOf({ messageId: '<CAF=x@mail.gmail.com>' });
    expect([other.messageIdHost, other.messageIdMatchesSender]).toEqual(['mail.gmail.com', false]);
    expect(codes(other.flags)).toEqual(['message-id-host-mismatch']);
    expect(other.flags[0]).toMatch(/campaign\.example/);
    // A first relay of the Message-ID's organisation vouches for it too.
    const relayed = await forensicsOf({ messageId: '<x@mail.gmail.com>' }, [hop('smtp.gmail.com', 'mx.press.example', 'Thu, 04 May 2017 08:02:00 +0000')]);
    expect(relayed.messageIdMatchesSender).toBe(true);
  });

  it('records X-Mailer (else User-Agent), cut to 256 characters, and the Date\'s zone as written', async () => {
    const outlook = await forensicsOf({ extraHeaders: ['X-Mailer: Microsoft Outlook 16.0', 'User-Agent: Mutt'] });
    expect(outlook.mailer).toBe('Microsoft Outlook 16.0');
    expect((await forensicsOf({ extraHeaders: [`User-Agent: ${'M'.repeat(10_000)}`] })).mailer).toHaveLength(256);
    expect(outlook.date).toEqual({ parsed: '2017-05-04T08:00:00.000Z', zone: '+0200' });
    expect((await forensicsOf({ date: 'Thu, 4 May 2017 04:00:00 EDT (Eastern)' })).date).toEqual({ parsed: '2017-05-04T08:00:00.000Z', zone: 'EDT' });
    expect((await forensicsOf({ date: `${'('.repeat(200_000)}` })).date).toEqual({ parsed: null, zone: null });
  });
});

describe('verifyEntry fills the record', () => {
  it('with the ARC evidence and the forensics of the judged header section', async () => {
    const bytes = signMessage(buildMessage({ date: 'Mon, 01 May 2017 10:00:00 +0200' }), { domain: 'campaign.example', selector: 'sel', privateKey: campaign.privateKey, timestamp: SIGNED_AT });
    const entry: MessageEntry = { kind: 'message', locator: { path: 'a.eml' }, bytes };
    const record = await verifyEntry(entry, createVerifier(staticResolver(keys)), VERIFY_AT);
    expect(record).toMatchObject({ kind: 'message', verdict: 'verified', arc: { chain: 'none', attestation: null } });
    expect(record.kind === 'message' && codes(record.forensics!.flags)).toEqual(['date-far-from-signed-time']);
  });

  it('an Outlook item shows and examines its transport headers, not its rebuild', async () => {
    const original = signMessage(buildMessage({ subject: 'Genuine subject' }), { domain: 'campaign.example', selector: 'sel', privateKey: campaign.privateKey, timestamp: SIGNED_AT });
    const rebuilt = Buffer.from('From: ceo@campaign.example\r\nSubject: Forged subject\r\nX-Mailer: Forger 1.0\r\n\r\nbody');
    const entry = { kind: 'message' as const, locator: { path: 'box.pst!/Inbox/1' }, bytes: rebuilt, outlook: { transportHeaders: original.subarray(0, splitMessage(original).bodyStart) } };
    const record = await verifyEntry(entry, createVerifier(staticResolver(keys)), VERIFY_AT);
    expect(record).toMatchObject({ verdict: 'partially-verified', reasons: ['headers-only'] });
    if (record.kind !== 'message') throw new Error('expected a message');
    expect(record.displayFields.toString('latin1')).toContain('Subject: Genuine subject');
    expect(record.displayFields.toString('latin1')).not.toContain('Forged');
    expect(record.forensics!.mailer).toBeNull();
  });
});
