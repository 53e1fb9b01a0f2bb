import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import { inventoryAttachments } from '../../../shared/attachments/inventory.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { readMetadata } from '../../../shared/documents/metadata/read-metadata.ts';
import { MAX_MIME_PARTS } from '../../../shared/mime/limits.ts';
import { verifyMessage } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { filePart, multipartMessage, renderPart, textPart } from '../../helpers/mime-messages.ts';

const AT = new Date('2026-11-21T00:00:00Z');
const key = rsaKey(1024);
const resolver = staticResolver({ 'sel._domainkey.campaign.example': key.record });
const sign = (message: Buffer, options: { headers?: string[] } = {}) => signMessage(message, { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey, ...options });

async function inventoryOf(message: Buffer, options?: { deferMetadata: boolean }) {
  const verdict = await verifyMessage({ bytes: message }, resolver, AT);
  return inventoryAttachments(message, verdict.signatures, undefined, options);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'), Buffer.alloc(64, 7)]);

describe('inventoryAttachments', () => {
  it('lists every file of a signed message with its facts, covered by the signature', async () => {
    const message = sign(
      multipartMessage({
        subtype: 'mixed',
        boundary: 'mixed',
        parts: [
          {
            subtype: 'related',
            boundary: 'related',
            parts: [textPart('<p>See <img src="cid:logo"></p>', 'text/html'), { ...filePart(PNG, { type: 'image/png', disposition: 'inline; filename="logo.png"' }) }],
          },
          filePart(PDF, { type: 'application/pdf', name: 'comptes.pdf' }),
          filePart(PNG, { type: 'image/png', disposition: 'inline' }),
        ],
      }),
    );
    const inventory = await inventoryOf(message);
    // The metadata is whatever the metadata readers make of the decoded bytes.
    const [png, pdf] = [await readMetadata(PNG, 'image/png', 'logo.png'), await readMetadata(PDF, 'application/pdf', 'comptes.pdf')];
    expect(inventory).toEqual({
      attachments: [
        { mimePath: '1.2', name: 'logo.png', declaredType: 'image/png', detectedType: 'image/png', size: PNG.length, sha256: sha256(PNG), metadata: png, disposition: 'inline', coveredBy: [0] },
        { mimePath: '2', name: 'comptes.pdf', declaredType: 'application/pdf', detectedType: 'application/pdf', size: PDF.length, sha256: sha256(PDF), metadata: pdf, disposition: 'attachment', coveredBy: [0] },
        { mimePath: '3', name: null, declaredType: 'image/png', detectedType: 'image/png', size: PNG.length, sha256: sha256(PNG), metadata: png, disposition: 'inline', coveredBy: [0] },
      ],
      note: null,
      toDescribe: [],
    });
  });

  it('leaves the metadata of files with a reader to the caller when asked, with their decoded bytes', async () => {
    const message = sign(
      multipartMessage({
        subtype: 'mixed',
        boundary: 'm',
        parts: [textPart('see attached'), filePart(PDF, { type: 'application/pdf', name: 'comptes.pdf' }), filePart(Buffer.from('plain notes'), { type: 'text/plain', name: 'notes.txt' })],
      }),
    );
    const deferred = await inventoryOf(message, { deferMetadata: true });
    const inline = await inventoryOf(message);
    // The PDF has a reader: its metadata is left unread, its bytes handed on; the text file has none: read here (null).
    expect(deferred.toDescribe.map(({ attachment, bytes }) => [attachment, sha256(bytes)])).toEqual([[0, sha256(PDF)]]);
    expect(deferred.attachments.map((file) => file.metadata)).toEqual([null, null]);
    expect(inline.attachments[0]!.metadata).toEqual(await readMetadata(PDF, 'application/pdf', 'comptes.pdf'));
    expect({ ...deferred.attachments[0], metadata: inline.attachments[0]!.metadata }).toEqual(inline.attachments[0]);
  });

  it('has no files for text-only mail, whole or in alternatives', async () => {
    expect(await inventoryOf(sign(buildMessage()))).toEqual({ attachments: [], note: null, toDescribe: [] });
    const alternative = multipartMessage({ subtype: 'alternative', boundary: 'a', parts: [textPart('plain'), textPart('<b>html</b>', 'text/html')] });
    expect(await inventoryOf(sign(alternative))).toEqual({ attachments: [], note: null, toDescribe: [] });
  });

  it('takes a single-part file message as file "1"', async () => {
    const unsigned = buildMessage({ contentType: 'application/pdf; name="solo.pdf"', extraHeaders: ['Content-Transfer-Encoding: base64'], body: PDF.toString('base64') + '\r\n' });
    // The fields that decode and name the file are signed (coverage.test.ts: not covered otherwise).
    const message = sign(unsigned, { headers: ['from', 'subject', 'date', 'content-type', 'content-transfer-encoding', 'content-disposition'] });
    expect((await inventoryOf(message)).attachments).toMatchObject([{ mimePath: '1', name: 'solo.pdf', size: PDF.length, sha256: sha256(PDF), disposition: 'attachment', coveredBy: [0] }]);
  });

  it('inventories an attached message as one file, without its own attachments', async () => {
    const inner = multipartMessage({ subtype: 'mixed', boundary: 'inner', parts: [textPart('forwarded'), filePart(PDF, { type: 'application/pdf', name: 'inner.pdf' })] });
    const message = sign(multipartMessage({ subtype: 'mixed', boundary: 'outer', parts: [textPart('fyi'), { headers: ['Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="fwd.eml"'], body: inner }] }));
    const inventory = await inventoryOf(message);
    expect(inventory.attachments).toEqual([
      { mimePath: '2', name: 'fwd.eml', declaredType: 'message/rfc822', detectedType: null, size: inner.length, sha256: sha256(inner), metadata: await readMetadata(inner, null, 'fwd.eml'), disposition: 'attachment', coveredBy: [0] },
    ]);
  });

  it("agrees with mailparser's attachments (names, sizes, hashes) on a message nodemailer composed", async () => {
    const composed = await new MailComposer({
      from: 'alice@campaign.example',
      to: 'bob@press.example',
      subject: 'docs',
      text: 'see attached',
      html: '<p>see attached <img src="cid:sig"></p>',
      attachments: [
        { filename: 'Été 2017 — comptes de la campagne très détaillés.pdf', content: PDF },
        { filename: 'notes.txt', content: 'ligne 1 — été\nligne 2\twith a tab \n', contentTransferEncoding: 'quoted-printable' },
        { filename: 'Проект.bin', content: Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256)) },
        { filename: 'sig.png', content: PNG, cid: 'sig' },
      ],
    })
      .compile()
      .build();
    const [ours, theirs] = await Promise.all([inventoryOf(composed), simpleParser(composed)]);
    const facts = (list: { name: string | null; size: number; sha256: string }[]) => list.map(({ name, size, sha256 }) => ({ name, size, sha256 })).sort((a, b) => a.sha256.localeCompare(b.sha256));
    expect(theirs.attachments).toHaveLength(4);
    expect(facts(ours.attachments)).toEqual(facts(theirs.attachments.map((a) => ({ name: a.filename ?? null, size: a.content.length, sha256: sha256(a.content) }))));
    expect(ours.note).toBeNull();
  });

  it(`stops at ${MAX_MIME_PARTS} parts of 10,000 quickly, with the files before the cap and a note`, async () => {
    const message = multipartMessage({ subtype: 'mixed', boundary: 'b', parts: Array.from({ length: 10_000 }, (_, i) => filePart(Buffer.from(`file ${i}`))) });
    const started = performance.now();
    const inventory = await inventoryOf(message);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(inventory.attachments).toHaveLength(MAX_MIME_PARTS - 1);
    expect(inventory.note).toMatch(/more than 256 MIME parts/);
  });

  it('finishes fast with a note on depth 1,000, an unclosed boundary and a huge base64 line', async () => {
    let deep = renderPart(filePart(PDF));
    for (let i = 0; i < 1000; i++) deep = Buffer.concat([Buffer.from(`Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`), deep, Buffer.from(`\r\n--b${i}--\r\n`)]);
    const hostile = [
      Buffer.concat([Buffer.from('From: a@example.com\r\nMIME-Version: 1.0\r\n'), deep]),
      buildMessage({ contentType: 'multipart/mixed; boundary=never', body: `--never\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${PDF.toString('base64').replace(/=+$/, '')}${'QUFB'.repeat(4 * 1024 * 1024)}` }),
    ];
    for (const message of hostile) {
      const started = performance.now();
      const inventory = await inventoryOf(message);
      expect(performance.now() - started).toBeLessThan(3000);
      expect(inventory.note).not.toBeNull();
    }
  });
});

describe('inventoryAttachments: memory of decoded files', () => {
  it('gives back what it decoded and never the message bytes: a 7bit file is a view of the message', async () => {
    const big = Buffer.alloc(200 * 1024, 0x61); // over a pool slab, so a decoded copy is freed
    const message = multipartMessage({
      subtype: 'mixed',
      boundary: 'mixed',
      parts: [textPart('hello'), filePart(big, { type: 'application/octet-stream', name: 'a.bin' }), filePart(big, { type: 'application/octet-stream', name: 'b.bin', encoding: '7bit' })],
    });
    const length = message.length;
    const before = sha256(message);
    const { attachments } = await inventoryOf(message);
    expect(attachments.map((a) => [a.name, a.size, a.sha256])).toEqual([
      ['a.bin', big.length, sha256(big)],
      ['b.bin', big.length, sha256(big)],
    ]);
    expect(message.length).toBe(length);
    expect(sha256(message)).toBe(before);
  });
});
