/**
 * What a signature's body hash covers of a message's files, attacked as THREATS.md's forger would: parts added
 * after l=, attachments lengthened past it, a changed byte, white space that relaxed canonicalisation folds, an
 * unsigned or doubled Content-Type, another mbox reading.
 */
import { describe, expect, it } from 'vitest';
import { inventoryAttachments } from '../../../shared/attachments/inventory.ts';
import { signMessage, type SignOptions } from '../../../shared/dkim/sign.ts';
import { verifyMessage } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';
import { filePart, multipartMessage, textPart } from '../../helpers/mime-messages.ts';

const AT = new Date('2026-11-21T00:00:00Z');
const key = rsaKey(1024);
const resolver = staticResolver({ 'sel._domainkey.campaign.example': key.record });
const sign = (message: Buffer, options: Partial<SignOptions> = {}) => signMessage(message, { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey, ...options });

async function covered(message: Buffer) {
  const verdict = await verifyMessage({ bytes: message }, resolver, AT);
  const inventory = await inventoryAttachments(message, verdict.signatures);
  return { verdict: verdict.verdict, statuses: verdict.signatures.map((s) => s.status), coveredBy: inventory.attachments.map((a) => [a.name, a.coveredBy]) };
}

const first = filePart(Buffer.from('%PDF-1.4 first document'), { type: 'application/pdf', name: 'first.pdf' });
const second = filePart(Buffer.from('%PDF-1.4 second document'), { type: 'application/pdf', name: 'second.pdf' });
const twoFiles = () => multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [textPart('two files'), first, second] });

/** The body's length up to the end of the delimiter line after the part named: canonical as written (CRLF, no WSP runs). */
function lengthThroughDelimiterAfter(message: Buffer, marker: string): number {
  const text = message.toString('latin1');
  const bodyStart = text.indexOf('\r\n\r\n') + 4;
  const at = text.indexOf('\r\n--b', text.indexOf(marker));
  return text.indexOf('\r\n', at + 2) + 2 - bodyStart;
}

describe('coveredBy', () => {
  it('lists every passing signature that signs the whole body', async () => {
    const message = sign(sign(twoFiles()), { selector: 'sel', canonicalization: 'simple/simple' });
    expect(await covered(message)).toEqual({ verdict: 'verified', statuses: ['pass', 'pass'], coveredBy: [['first.pdf', [0, 1]], ['second.pdf', [0, 1]]] });
  });

  it('covers the first attachment and not the second when l= ends between them, to the byte', async () => {
    const unsigned = twoFiles();
    const l = lengthThroughDelimiterAfter(unsigned, 'first.pdf');
    const signed = await covered(sign(unsigned, { bodyLength: l, canonicalization: 'simple/simple' }));
    expect(signed).toEqual({ verdict: 'partially-verified', statuses: ['pass'], coveredBy: [['first.pdf', [0]], ['second.pdf', []]] });
    // One byte less and the delimiter closing the first file is not signed: the file could be lengthened.
    expect((await covered(sign(unsigned, { bodyLength: l - 1, canonicalization: 'simple/simple' }))).coveredBy).toEqual([['first.pdf', []], ['second.pdf', []]]);
    // The same under relaxed canonicalisation, and with two signatures of different reach.
    const both = sign(sign(unsigned, { bodyLength: l }), { bodyLength: 'whole', selector: 'sel' });
    expect((await covered(both)).coveredBy).toEqual([['first.pdf', [0, 1]], ['second.pdf', [0]]]);
  });

  it('covers nothing when the body hash fails', async () => {
    const message = tamper(sign(twoFiles()), 'JVBERi0xLjQgc2Vjb25k', 'JVBERi0xLjQgU0VDT05E');
    expect(await covered(message)).toEqual({ verdict: 'failed', statuses: ['body-hash-mismatch'], coveredBy: [['first.pdf', []], ['second.pdf', []]] });
  });

  it('covers nothing when the body hash passes but the header signature does not', async () => {
    const message = tamper(sign(twoFiles()), 'Subject: Meeting notes', 'Subject: Forged notes');
    expect(await covered(message)).toEqual({ verdict: 'failed', statuses: ['signature-mismatch'], coveredBy: [['first.pdf', []], ['second.pdf', []]] });
  });

  it('does not cover a forged part added after the signed l= range', async () => {
    const genuine = multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [textPart('only text')] });
    const text = genuine.toString('latin1');
    const close = '--b--\r\n';
    const signed = sign(genuine, { bodyLength: text.length - (text.indexOf('\r\n\r\n') + 4) - close.length, canonicalization: 'simple/simple' });
    const forgedPart = `--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="forged.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('%PDF-1.4 forged').toString('base64')}\r\n`;
    const forged = Buffer.from(signed.toString('latin1').replace(/--b--\r\n$/, forgedPart + close), 'latin1');
    expect(await covered(forged)).toEqual({ verdict: 'partially-verified', statuses: ['pass'], coveredBy: [['forged.pdf', []]] });
  });

  it('does not cover a genuine attachment lengthened past l=', async () => {
    const unsigned = twoFiles();
    const l = lengthThroughDelimiterAfter(unsigned, 'second.pdf') - '--b--\r\n'.length;
    const signed = sign(unsigned, { bodyLength: l, canonicalization: 'simple/simple' });
    expect((await covered(signed)).coveredBy).toEqual([['first.pdf', [0]], ['second.pdf', []]]);
    const lengthened = Buffer.from(signed.toString('latin1').replace(/\r\n--b--\r\n$/, `\r\n${Buffer.from(' and a forged ending').toString('base64')}\r\n--b--\r\n`), 'latin1');
    expect(await covered(lengthened)).toEqual({ verdict: 'partially-verified', statuses: ['pass'], coveredBy: [['first.pdf', [0]], ['second.pdf', []]] });
  });

  it('does not let relaxed canonicalisation hide a change to a quoted-printable or 7bit file', async () => {
    const tsv = (cells: string) => multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [filePart(Buffer.from(cells), { type: 'text/tab-separated-values', name: 'cells.tsv', encoding: 'quoted-printable' })] });
    // Tabs are not canonical under relaxed: moving a cell is invisible to the signature, so the file is not covered.
    const genuine = sign(tsv('name\t\tamount\r\nalice\t\t100'));
    const shifted = tamper(genuine, 'name\t\tamount', 'name amount');
    expect(await covered(genuine)).toEqual({ verdict: 'verified', statuses: ['pass'], coveredBy: [['cells.tsv', []]] });
    expect(await covered(shifted)).toEqual({ verdict: 'verified', statuses: ['pass'], coveredBy: [['cells.tsv', []]] });
    // Under simple canonicalisation tabs are signed as they are; and a file in canonical form is covered either way.
    expect((await covered(sign(tsv('name\t\tamount'), { canonicalization: 'simple/simple' }))).coveredBy).toEqual([['cells.tsv', [0]]]);
    expect((await covered(sign(tsv('name amount')))).coveredBy).toEqual([['cells.tsv', [0]]]);
    // base64 decoding skips the white space relaxed folds: covered under relaxed.
    const b64 = multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [filePart(Buffer.from('name\t\tamount'), { type: 'text/tab-separated-values', name: 'cells.tsv' })] });
    expect((await covered(sign(b64))).coveredBy).toEqual([['cells.tsv', [0]]]);
  });

  it('does not cover a 7bit file whose line ends a bare LF could stand for', async () => {
    const lf = multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [filePart(Buffer.from('a\nb'), { type: 'text/csv', name: 'lf.csv', encoding: '7bit' })] });
    expect((await covered(sign(lf, { canonicalization: 'simple/simple' }))).coveredBy).toEqual([['lf.csv', []]]);
  });

  it('covers nothing when the structure is not signed: Content-Type outside h=, or two Content-Type fields', async () => {
    const unsignedType = sign(twoFiles(), { headers: ['from', 'to', 'subject', 'date', 'message-id'] });
    expect(await covered(unsignedType)).toEqual({ verdict: 'verified', statuses: ['pass'], coveredBy: [['first.pdf', []], ['second.pdf', []]] });
    // A Content-Type added above the signed one: readers that take the first see another structure.
    const doubled = Buffer.from(sign(twoFiles()).toString('latin1').replace('From:', 'Content-Type: multipart/mixed; boundary="b"\r\nFrom:'), 'latin1');
    expect((await covered(doubled)).coveredBy).toEqual([['first.pdf', []], ['second.pdf', []]]);
  });

  it("covers a single-part file only when the fields that name and decode it are signed (h= signs a field's absence too)", async () => {
    const pdf = Buffer.from('%PDF-1.4 the whole message is this file');
    const single = buildMessage({ contentType: 'application/pdf; name="contract.pdf"', extraHeaders: ['Content-Transfer-Encoding: base64'], body: `${pdf.toString('base64')}\r\n` });
    const usual = sign(single); // h= without content-transfer-encoding or content-disposition, as most signers write it
    expect(await covered(usual)).toEqual({ verdict: 'verified', statuses: ['pass'], coveredBy: [['contract.pdf', []]] });
    // What a forger does with them (mailparser shows both): a file name of their choice, or the base64 text as the file.
    const renamed = Buffer.from(`Content-Disposition: attachment; filename="forged-name.pdf"\r\n${usual.toString('latin1')}`, 'latin1');
    expect(await covered(renamed)).toEqual({ verdict: 'verified', statuses: ['pass'], coveredBy: [['forged-name.pdf', []]] });
    const recoded = tamper(usual, 'Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: 7bit');
    expect(await covered(recoded)).toEqual({ verdict: 'verified', statuses: ['pass'], coveredBy: [['contract.pdf', []]] });
    // Signed (present or absent) they fix the file: covered.
    const fixed = sign(single, { headers: ['from', 'to', 'subject', 'date', 'message-id', 'content-type', 'content-transfer-encoding', 'content-disposition'] });
    expect(await covered(fixed)).toEqual({ verdict: 'verified', statuses: ['pass'], coveredBy: [['contract.pdf', [0]]] });
  });

  it('covers nothing for a signature that verified another mbox reading than the bytes inventoried', async () => {
    const message = sign(twoFiles());
    const verdict = await verifyMessage({ bytes: message }, resolver, AT);
    const asStored = verdict.signatures.map((signature) => ({ ...signature, mboxReading: 'as-stored' }));
    expect((await inventoryAttachments(message, asStored)).attachments.map((a) => a.coveredBy)).toEqual([[], []]);
    const primary = verdict.signatures.map((signature) => ({ ...signature, mboxReading: 'unquoted-all' }));
    expect((await inventoryAttachments(message, primary)).attachments.map((a) => a.coveredBy)).toEqual([[0], [0]]);
  });
});
