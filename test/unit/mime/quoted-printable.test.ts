import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { decodeQuotedPrintable } from '../../../shared/mime/quoted-printable.ts';

const decode = (text: string) => decodeQuotedPrintable(Buffer.from(text, 'latin1')).toString('latin1');

describe('decodeQuotedPrintable', () => {
  it.each([
    ['escapes', 'caf=C3=A9 =3D 100%', 'caf\xc3\xa9 = 100%'],
    ['lower-case hex', '=c3=a9', '\xc3\xa9'],
    ['soft line breaks join lines', 'a long=\r\nline=\nend', 'a longlineend'],
    ['hard line breaks kept as written', 'one\r\ntwo\nthree', 'one\r\ntwo\nthree'],
    ['transport padding dropped', 'padded \t \r\nnext  ', 'padded\r\nnext'],
    ['white space after a soft break', 'soft= \t\r\nbreak', 'softbreak'],
    ['an "=" without two hex digits kept', '=G1 =4 a=', '=G1 =4 a'],
    ['encoded trailing space kept', 'x=20\r\n', 'x \r\n'],
  ])('%s', (_, encoded, expected) => {
    expect(decode(encoded)).toBe(expected);
  });

  it("agrees with mailparser's decoding of a quoted-printable attachment", async () => {
    const encoded = 'Voici le r=C3=A9sum=C3=A9 =E2=80=94 3 =C3=97 4 =3D 12\r\n\tindented, trailing=20\r\nsoft=\r\nbreak  \r\n';
    const message = Buffer.from(
      'From: a@example.com\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=x.txt\r\n' +
        `Content-Transfer-Encoding: quoted-printable\r\n\r\n${encoded}`,
    );
    const parsed = await simpleParser(message);
    expect(decodeQuotedPrintable(Buffer.from(encoded))).toEqual(parsed.attachments[0]!.content);
    expect(decode(encoded)).toBe(Buffer.from('Voici le résumé — 3 × 4 = 12\r\n\tindented, trailing \r\nsoftbreak\r\n').toString('latin1'));
  });

  it('is linear on runs of white space (libqp takes seconds on 30 KB of them)', () => {
    const hostile = Buffer.from(' '.repeat(8 * 1024 * 1024) + 'x');
    const started = performance.now();
    expect(decodeQuotedPrintable(hostile).length).toBe(hostile.length);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
