/**
 * Coverage when the signed bytes have two readings: ours and a mail client's (mailparser, the oracle). Each case
 * is one THREATS.md §1 forger's move; where mailparser shows other files (names, sizes, hashes) than we read, the
 * part must not be "covered by a signature": the file we would show is not the one a reader of the mail saw.
 * Some cases the forger makes after signing (relaxed body canonicalisation ignores trailing white space, so the
 * body hash still passes); others are bytes a signer that signs anything (an ESP, a webmail) sent for them.
 */
import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { inventoryAttachments } from '../../../shared/attachments/inventory.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { verifyMessage } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { filePart, multipartMessage, textPart } from '../../helpers/mime-messages.ts';
import { mailauthVerify } from '../../helpers/oracles.ts';

const AT = new Date('2026-11-21T00:00:00Z');
const key = rsaKey(1024);
const resolver = staticResolver({ 'sel._domainkey.campaign.example': key.record });
const sign = (message: Buffer) => signMessage(message, { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey });
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const pdf = Buffer.from('%PDF-1.4 the genuine contract, page one of one');
const notes = Buffer.from('%PDF-1.4 meeting notes');
const twoFiles = () =>
  multipartMessage({
    subtype: 'mixed',
    boundary: 'b',
    parts: [textPart('two files'), filePart(pdf, { type: 'application/pdf', name: 'contract.pdf' }), filePart(notes, { type: 'application/pdf', name: 'notes.pdf' })],
  });

/** Our files (name, SHA-256, covering signatures) and mailparser's (name, SHA-256), with the DKIM verdict. */
async function readings(message: Buffer) {
  const verdict = await verifyMessage({ bytes: message }, resolver, AT);
  const [inventory, parsed] = await Promise.all([inventoryAttachments(message, verdict.signatures), simpleParser(message)]);
  return {
    verdict: verdict.verdict,
    ours: inventory.attachments.map((file) => ({ name: file.name, sha256: file.sha256, coveredBy: file.coveredBy })),
    theirs: parsed.attachments.map((file) => ({ name: file.filename ?? null, sha256: sha(file.content) })),
    note: inventory.note,
  };
}

const same = (a: { name: string | null; sha256: string }[], b: { name: string | null; sha256: string }[]) =>
  JSON.stringify(a.map(({ name, sha256 }) => [name, sha256])) === JSON.stringify(b.map(({ name, sha256 }) => [name, sha256]));

/** Replaces the first `find` after `after` (latin-1 text). */
function edit(message: Buffer, after: string, find: string, replace: string): Buffer {
  const text = message.toString('latin1');
  const at = text.indexOf(find, text.indexOf(after));
  if (at < 0) throw new Error(`no ${JSON.stringify(find)} after ${after}`);
  return Buffer.from(text.slice(0, at) + replace + text.slice(at + find.length), 'latin1');
}

describe('a file is covered only when a mail client reads the same file', () => {
  it('control: a plain signed message reads alike and is covered', async () => {
    const read = await readings(sign(twoFiles()));
    expect(read.verdict).toBe('verified');
    expect(same(read.ours, read.theirs)).toBe(true);
    expect(read.ours.map((file) => file.coveredBy)).toEqual([[0], [0]]);
  });

  it('controls that hold: an inner boundary that is a prefix of the outer (and the reverse), an epilogue holding a second structure', async () => {
    const nested = (outer: string, inner: string) =>
      multipartMessage({
        subtype: 'mixed',
        boundary: outer,
        parts: [
          { subtype: 'alternative', boundary: inner, parts: [textPart('plain'), filePart(notes, { type: 'application/pdf', name: 'inner.pdf' })] },
          filePart(pdf, { type: 'application/pdf', name: 'contract.pdf' }),
        ],
      });
    for (const [outer, inner] of [['abc', 'ab'], ['ab', 'abc']]) {
      const read = await readings(sign(nested(outer!, inner!)));
      expect(same(read.ours, read.theirs)).toBe(true);
      expect(read.ours.map((file) => [file.name, file.coveredBy])).toEqual([['inner.pdf', [0]], ['contract.pdf', [0]]]);
    }
    const epilogue = Buffer.concat([twoFiles(), Buffer.from(`--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="forged.pdf"\r\n\r\n%PDF forged\r\n--b--\r\n`)]);
    const read = await readings(sign(epilogue));
    expect(same(read.ours, read.theirs)).toBe(true);
    expect(read.ours.map((file) => file.name)).toEqual(['contract.pdf', 'notes.pdf']);
  });

  it('control that holds: CRLF turned into bare LF in the body after signing (both canonicalisations read LF as CRLF): same files', async () => {
    const signed = sign(twoFiles());
    const split = signed.indexOf('\r\n\r\n') + 4;
    const mixed = Buffer.concat([signed.subarray(0, split), Buffer.from(signed.subarray(split).toString('latin1').replace(/\r\n/g, (_, at: number) => (at % 3 === 0 ? '\n' : '\r\n')), 'latin1')]);
    const read = await readings(mixed);
    expect(read.verdict).toBe('verified');
    expect(same(read.ours, read.theirs)).toBe(true);
    expect(read.ours.map((file) => file.sha256)).toEqual((await readings(signed)).ours.map((file) => file.sha256));
  });

  it("base64 with characters outside the alphabet ('-' and '_' are base64url to Node, junk to libbase64)", async () => {
    const part = filePart(pdf, { type: 'application/pdf', name: 'contract.pdf' });
    part.body = `${(part.body as string).replace(/\//g, '_').replace(/\+/g, '-')}\r\nQU_D`;
    const read = await readings(sign(multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [textPart('x'), part] })));
    expect(read.verdict).toBe('verified');
    expect(same(read.ours, read.theirs)).toBe(false); // the two decoders disagree on these signed bytes
    expect(read.ours.map((file) => file.coveredBy)).toEqual([[]]);
    expect(read.note).toMatch(/base64/);
  });

  it("base64 padding in the middle (Node stops at the first '=', libbase64 reads on)", async () => {
    const part = filePart(pdf, { type: 'application/pdf', name: 'contract.pdf' });
    part.body = `${Buffer.from('%PDF').toString('base64')}\r\n${Buffer.from('forged!').toString('base64')}`;
    const read = await readings(sign(multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [textPart('x'), part] })));
    expect(same(read.ours, read.theirs)).toBe(false);
    expect(read.ours.map((file) => file.coveredBy)).toEqual([[]]);
  });

  it('strict base64 with the final padding and a short last line stays covered', async () => {
    const part = filePart(Buffer.from('%PDF-1.4 x'), { type: 'application/pdf', name: 'short.pdf' }); // ends in "="
    const read = await readings(sign(multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [textPart('x'), part] })));
    expect(same(read.ours, read.theirs)).toBe(true);
    expect(read.ours.map((file) => file.coveredBy)).toEqual([[0]]);
  });

  it('a delimiter line given transport padding after signing (relaxed ignores it; mailparser then sees no delimiter)', async () => {
    const forged = edit(sign(twoFiles()), 'contract.pdf', '\r\n--b\r\n', '\r\n--b \r\n');
    const read = await readings(forged);
    expect(read.verdict).toBe('verified');
    expect(await mailauthVerify(forged, { 'sel._domainkey.campaign.example': key.record }, AT)).toEqual([true]); // the oracle agrees: still signed
    expect(same(read.ours, read.theirs)).toBe(false);
    expect(read.ours.every((file) => file.coveredBy.length === 0)).toBe(true);
    expect(read.note).toMatch(/padding/);
  });

  it("a part's blank line turned into a line of white space after signing", async () => {
    const forged = edit(sign(twoFiles()), 'filename="contract.pdf"', '\r\n\r\n', '\r\n \r\n');
    const read = await readings(forged);
    expect(read.verdict).toBe('verified');
    expect(await mailauthVerify(forged, { 'sel._domainkey.campaign.example': key.record }, AT)).toEqual([true]);
    expect(same(read.ours, read.theirs)).toBe(false);
    expect(read.ours.every((file) => file.coveredBy.length === 0)).toBe(true);
  });

  it('a delimiter after a bare CR (mailparser splits there, RFC 2046 §5.1.1 says a delimiter follows a CRLF)', async () => {
    const read = await readings(sign(edit(twoFiles(), 'contract.pdf', '\r\n--b\r\n', '\r\n\r--b\r\n')));
    expect(read.verdict).toBe('verified');
    expect(same(read.ours, read.theirs)).toBe(false);
    expect(read.ours.every((file) => file.coveredBy.length === 0)).toBe(true);
  });

  it('a delimiter ended by a bare CR', async () => {
    const read = await readings(sign(edit(twoFiles(), 'contract.pdf', '\r\n--b\r\n', '\r\n--b\r\r\n')));
    expect(same(read.ours, read.theirs)).toBe(false);
    expect(read.ours.every((file) => file.coveredBy.length === 0)).toBe(true);
  });
});
