/** File names as mail readers show them: RFC 2231 parameters (continuations, charsets) and RFC 2047 words. */
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { walkMime } from '../../../shared/mime/mime-tree.ts';
import { filePart, multipartMessage } from '../../helpers/mime-messages.ts';

const bytes = Buffer.from('%PDF-1.4 name test');

function namesOf(dispositions: { disposition?: string; type?: string }[]): Buffer {
  return multipartMessage({
    subtype: 'mixed',
    boundary: 'b',
    parts: dispositions.map((each) => filePart(bytes, { type: each.type ?? 'application/pdf', disposition: each.disposition ?? 'attachment' })),
  });
}

const CASES: [string, { disposition?: string; type?: string }, string | null][] = [
  ['RFC 2231 continuations with a UTF-8 charset', { disposition: "attachment; filename*0*=utf-8''%C3%89t%C3%A9%202017; filename*1*=%20-%20comptes.xlsx" }, 'Été 2017 - comptes.xlsx'],
  ['RFC 2231 in ISO-8859-1, with a language', { disposition: "attachment; filename*=iso-8859-1'fr'r%E9sum%E9.pdf" }, 'résumé.pdf'],
  ['RFC 2231 plain continuations', { disposition: 'attachment; filename*0="very long "; filename*1="name.docx"' }, 'very long name.docx'],
  ['RFC 2047 base64 in a quoted filename', { disposition: 'attachment; filename="=?UTF-8?B?0J/RgNC+0LXQutGCLnBkZg==?="' }, 'Проект.pdf'],
  ['RFC 2047 Q in a Content-Type name', { disposition: 'inline', type: 'application/pdf; name="=?iso-8859-1?Q?d=E9claration.pdf?="' }, 'déclaration.pdf'],
  ['Content-Disposition over Content-Type', { disposition: 'attachment; filename="a.pdf"', type: 'application/pdf; name="b.pdf"' }, 'a.pdf'],
  ['no name at all', { disposition: 'attachment' }, null],
];

describe('file names', () => {
  it.each(CASES)('%s', (_, part, expected) => {
    expect(walkMime(namesOf([part])).leaves[0]!.name).toBe(expected);
  });

  it('reads raw UTF-8 names (mailers that skip RFC 2047) as UTF-8, and other 8-bit bytes as latin-1', () => {
    const utf8 = multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [filePart(bytes, { disposition: Buffer.from('attachment; filename="café.pdf"', 'utf8').toString('latin1') })] });
    expect(walkMime(utf8).leaves[0]!.name).toBe('café.pdf');
    const latin1 = multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [filePart(bytes, { disposition: 'attachment; filename="caf\xe9.pdf"' })] });
    expect(walkMime(latin1).leaves[0]!.name).toBe('café.pdf');
  });

  it("agrees with mailparser's names on every case that has one", async () => {
    const named = CASES.filter(([, , expected]) => expected !== null).map(([, part]) => part);
    const message = namesOf(named);
    const parsed = await simpleParser(message);
    expect(walkMime(message).leaves.map((leaf) => leaf.name)).toEqual(parsed.attachments.map((attachment) => attachment.filename));
  });
});
