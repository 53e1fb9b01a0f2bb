/**
 * What a listing shows of a message is what mail clients show (the top-most of several instances), and a shown
 * value no verifying signature covers is named: messages signed here with a key made for the test, then attacked.
 */
import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../../shared/dkim/header-fields.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { unsignedShownFields } from '../../../shared/message/display-fields.ts';
import { describeEntry } from '../../../shared/pipeline/describe-entry.ts';
import { verifyEntry } from '../../../shared/pipeline/verify-entry.ts';
import { messageListingOf } from '../../../shared/pipeline/message-listing.ts';
import type { MessageRecord } from '../../../shared/ports/verdict-store.ts';
import { createVerifier, verifyMessage } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';

const AT = new Date('2026-11-21T00:00:00Z');
const key = rsaKey(1024);
const other = rsaKey(1024);
const resolver = staticResolver({ 'sel._domainkey.campaign.example': key.record, 'list._domainkey.lists.example': other.record });
const verifier = createVerifier(resolver);
const sign = (message: Buffer, headers?: string[]) => signMessage(message, { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey, headers });
const above = (field: string, message: Buffer) => Buffer.concat([Buffer.from(`${field}\r\n`, 'latin1'), message]);

/** The message as stored and listed by the pipeline. */
async function stored(bytes: Buffer): Promise<MessageRecord> {
  const record = await describeEntry(await verifyEntry({ kind: 'message', locator: { path: 'm.eml' }, bytes }, verifier, AT));
  if (record.kind !== 'message') throw new Error(`not a message: ${record.kind}`);
  return record;
}

describe('the shown instance and whether it is signed', () => {
  it('a genuine message with one Subject: shown as sent, verified, nothing marked', async () => {
    const record = await stored(sign(buildMessage()));
    expect(record).toMatchObject({ verdict: 'verified', subject: 'Meeting notes', unsignedShown: [] });
    expect(messageListingOf(record)).toMatchObject({ subject: 'Meeting notes', unsignedShown: [] });
  });

  it('a forged Subject added above the signed one: the listing shows the forged Subject, marked not signed, and the verdict is not verified', async () => {
    const record = await stored(above('Subject: Resign now', sign(buildMessage())));
    expect(record.verdict).toBe('partially-verified');
    expect(record.reasons).toEqual(expect.arrayContaining(['unsigned-header', 'duplicate-header']));
    expect(messageListingOf(record)).toMatchObject({ subject: 'Resign now', unsignedShown: ['subject'] });
  });

  it('names each shown field added above (From, To, Cc, Date), in a fixed order', async () => {
    const forged = above('Date: Fri, 05 May 2017 10:00:00 +0200', above('From: CEO <ceo@campaign.example>', above('Cc: desk@rival.example', sign(buildMessage()))));
    const record = await stored(forged);
    expect(record).toMatchObject({ from: '"CEO" <ceo@campaign.example>', cc: 'desk@rival.example', unsignedShown: ['from', 'date', 'cc'] });
    expect(record.verdict).not.toBe('verified');
  });

  it('a field the signature leaves out of h= entirely is marked when shown; one added below a signed one is not (the signed one is shown)', async () => {
    const noSubjectSigned = await stored(sign(buildMessage(), ['from', 'to', 'date']));
    expect(noSubjectSigned).toMatchObject({ verdict: 'partially-verified', subject: 'Meeting notes', unsignedShown: ['subject'] });
    const below = await stored(tamper(sign(buildMessage()), 'MIME-Version: 1.0\r\n', 'MIME-Version: 1.0\r\nSubject: Resign now\r\n'));
    expect(below).toMatchObject({ subject: 'Meeting notes', unsignedShown: [] });
    expect(below.verdict).not.toBe('verified');
  });

  it('marks nothing when no header signature verifies: nothing is proven, and the verdict says so', async () => {
    const changed = await stored(tamper(sign(buildMessage()), 'Subject: Meeting notes', 'Subject: Resign now'));
    expect(changed).toMatchObject({ verdict: 'failed', subject: 'Resign now', unsignedShown: [] });
    const unsigned = await stored(above('Subject: Resign now', buildMessage()));
    expect(unsigned).toMatchObject({ verdict: 'unverified', unsignedShown: [] });
  });

  it('counts coverage by any verifying signature, as the message view does', async () => {
    // A second signer (a list) that signs both Subjects (h= takes them bottom-up): the shown one is covered, by that signature.
    const forged = above('Subject: [list] Meeting notes', sign(buildMessage()));
    const listSigned = signMessage(forged, { domain: 'lists.example', selector: 'list', privateKey: other.privateKey, headers: ['from', 'subject', 'subject'] });
    const verdict = await verifyMessage({ bytes: listSigned }, resolver, AT);
    expect(verdict.signatures.map((signature) => signature.headerSignature)).toEqual(['pass', 'pass']);
    expect(unsignedShownFields(splitMessage(listSigned).fields, verdict.signatures)).toEqual([]);
    // Without the list's signature verifying (its key unknown), the same Subject is marked.
    const campaignOnly = await verifyMessage({ bytes: listSigned }, staticResolver({ 'sel._domainkey.campaign.example': key.record }), AT);
    expect(unsignedShownFields(splitMessage(listSigned).fields, campaignOnly.signatures)).toEqual(['subject']);
  });
});
