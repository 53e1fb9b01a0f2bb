import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { splitMessage } from '../../../shared/dkim/header-fields.ts';
import type { MessageEntry } from '../../../shared/dump/entry.ts';
import { buildTar, gzip } from '../../helpers/archive-files.ts';
import { buildZip, describe as describeEntries, makeTempDir, messages, readAll, removeDir } from '../../helpers/dump-files.ts';
import { rsaKey } from '../../helpers/keys.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { buildMsg } from '../../helpers/outlook-files.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

/** A message signed at test time (Content-Type and MIME-Version among the signed fields), split at its header. */
function signedMessage(): { header: string; body: string } {
  const key = rsaKey();
  const signed = signMessage(buildMessage({ subject: 'Quarterly figures', body: 'The figures are attached.\r\n' }), { domain: 'campaign.example', selector: 's1', privateKey: key.privateKey });
  const { bodyStart } = splitMessage(signed);
  return { header: signed.subarray(0, bodyStart).toString('latin1'), body: signed.subarray(bodyStart).toString('latin1') };
}

async function readFolder(files: Record<string, Buffer>): Promise<ReturnType<typeof readAll>> {
  const folder = join(dir, 'dump');
  await mkdir(folder, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(folder, name), bytes);
  return readAll(folder);
}

describe('Outlook .msg', () => {
  it('keeps the transport headers byte for byte, and writes the item out as their header section with a re-built MIME body', async () => {
    const { header, body } = signedMessage();
    const pdf = Buffer.from('%PDF-1.4 figures');
    const msg = buildMsg({ subject: 'Quarterly figures', body, transportHeaders: header, attachments: [{ name: 'figures.pdf', data: pdf, mimeType: 'application/pdf' }] });
    const entries = await readFolder({ 'a.msg': msg });
    expect(describeEntries(entries)).toEqual(['message a.msg']);
    const entry = messages(entries)[0]!;
    // What a signature's b= is checked against: the header section exactly as Outlook kept it.
    expect(entry.outlook?.transportHeaders).toEqual(Buffer.from(header, 'utf8'));

    // The entry's header: every field of the original but the ones that described the original body, byte for
    // byte and in order (the DKIM-Signature included), then the re-built body's own.
    const entryFields = splitMessage(entry.bytes).fields.map((field) => field.raw.toString('latin1'));
    const originalFields = splitMessage(Buffer.from(header, 'latin1')).fields.map((field) => field.raw.toString('latin1'));
    const bodyFields = /^(content-type|mime-version|content-transfer-encoding|content-disposition)\s*:/i;
    expect(entryFields.filter((field) => !bodyFields.test(field))).toEqual(originalFields.filter((field) => !bodyFields.test(field)));
    expect(entryFields.filter((field) => /^dkim-signature:/i.test(field))).toHaveLength(1);
    expect(entryFields.find((field) => /^content-type:/i.test(field))).toMatch(/^Content-Type: multipart\/mixed;/);

    // A MIME parser reads the re-built body: the text and the attachment, whole.
    const parsed = await simpleParser(entry.bytes);
    expect(parsed.subject).toBe('Quarterly figures');
    expect(parsed.text?.trim()).toBe('The figures are attached.');
    expect(parsed.attachments.map((attachment) => [attachment.filename, attachment.contentType, attachment.content.equals(pdf)])).toEqual([['figures.pdf', 'application/pdf', true]]);

    // Deterministic: the same item gives the same bytes, so its SHA-256 is stable.
    const again = messages(await readAll(join(dir, 'dump', 'a.msg')))[0]!;
    expect(again.bytes.equals(entry.bytes)).toBe(true);
  });

  it('writes a header section from the properties of an item that never arrived by mail, with transportHeaders null and nothing invented', async () => {
    const msg = buildMsg({ subject: 'Draft reply', body: 'Not sent yet.\r\n', senderName: 'Alice', senderAddress: 'alice@campaign.example' });
    const [entry] = messages(await readFolder({ 'draft.msg': msg })) as [MessageEntry];
    expect(entry.outlook).toEqual({ transportHeaders: null });
    const parsed = await simpleParser(entry.bytes);
    expect(parsed.subject).toBe('Draft reply');
    expect(parsed.from?.value).toEqual([{ name: 'Alice', address: 'alice@campaign.example' }]);
    expect(parsed.text?.trim()).toBe('Not sent yet.');
    // No Date or Message-ID the item did not have (MailComposer would write the time of the run).
    expect(parsed.headers.has('date')).toBe(false);
    expect(parsed.headers.has('message-id')).toBe(false);
  });

  it('skips items that are not mail, and makes a damaged .msg an error while the rest of the dump runs', async () => {
    const contact = buildMsg({ messageClass: 'IPM.Contact', subject: 'Bob' });
    const damaged = buildMsg({ subject: 'x', body: 'y' }).subarray(0, 700);
    const lines = describeEntries(await readFolder({ 'bob.msg': contact, 'cut.msg': damaged, 'ok.eml': buildMessage() }));
    expect(lines[0]).toBe('skipped bob.msg: Outlook item of class IPM.Contact, not a mail message');
    expect(lines[1]).toMatch(/^error cut\.msg: Outlook item unreadable: /);
    expect(lines[2]).toBe('message ok.eml');
  });

  it('reads a .msg inside a zip inside a tar.gz, located all the way down', async () => {
    const msg = buildMsg({ subject: 'Nested', body: 'Deep inside.\r\n', transportHeaders: 'From: a@campaign.example\r\nSubject: Nested\r\n' });
    const tgz = gzip(await buildTar([{ name: 'export/mail.zip', data: await buildZip([{ name: 'items/1.msg', data: msg }]) }]));
    const entries = await readFolder({ 'leak.tar.gz': tgz });
    expect(describeEntries(entries)).toEqual(['message leak.tar.gz!/export/mail.zip!/items/1.msg']);
    expect(messages(entries)[0]!.outlook?.transportHeaders?.toString()).toBe('From: a@campaign.example\r\nSubject: Nested\r\n');
  });
});

describe('Outlook .pst', () => {
  it('makes a file that is not a .pst one error about the file, and the rest of the dump runs', async () => {
    const lines = describeEntries(await readFolder({ 'box.pst': Buffer.from('!BDN' + 'x'.repeat(2000), 'latin1'), 'ok.eml': buildMessage() }));
    expect(lines).toEqual([expect.stringMatching(/^error box\.pst!\/: not a readable Outlook data file: /), 'message ok.eml']);
  });
});
