import { describe, expect, it } from 'vitest';
import { MAX_TEXT_BYTES } from '../../../shared/mime/limits.ts';
import { textPartsOf } from '../../../shared/mime/text-parts.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { filePart, multipartMessage, textPart } from '../../helpers/mime-messages.ts';

describe('textPartsOf', () => {
  it('gives the plain text of a message with alternatives and files, not the HTML nor the files', () => {
    const message = multipartMessage({
      subtype: 'mixed',
      boundary: 'm',
      parts: [
        { subtype: 'alternative', boundary: 'a', parts: [textPart('Bonjour=2C =C3=A0 demain', 'text/plain; charset=utf-8', 'quoted-printable'), textPart('<p>Bonjour</p>', 'text/html')] },
        filePart(Buffer.from('a,b\r\n1,2\r\n'), { type: 'text/csv', name: 'data.csv' }),
        textPart('named text is a file', 'text/plain; name="notes.txt"'),
      ],
    });
    expect(textPartsOf(message)).toEqual({ text: 'Bonjour, à demain', truncated: false });
  });

  it('falls back to the HTML when there is no plain part', () => {
    const message = multipartMessage({ subtype: 'related', boundary: 'r', parts: [textPart('<p>Only HTML</p>', 'text/html; charset=us-ascii'), filePart(Buffer.from('png'), { type: 'image/png', disposition: 'inline' })] });
    expect(textPartsOf(message)).toEqual({ text: '<p>Only HTML</p>', truncated: false });
  });

  it('decodes the declared charset, and UTF-8 when the charset is unknown', () => {
    const latin1 = buildMessage({ contentType: 'text/plain; charset=iso-8859-1', body: Buffer.from('r\xe9sum\xe9\r\n', 'latin1') });
    expect(textPartsOf(latin1).text).toBe('résumé\r\n');
    const koi8 = buildMessage({ contentType: 'text/plain; charset=koi8-r', body: Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]) });
    expect(textPartsOf(koi8).text).toBe('Привет');
    const unknown = buildMessage({ contentType: 'text/plain; charset=x-no-such', body: Buffer.from('naïve', 'utf8') });
    expect(textPartsOf(unknown).text).toBe('naïve');
  });

  it('base64 text parts are decoded', () => {
    const message = buildMessage({ contentType: 'text/plain; charset=utf-8', extraHeaders: ['Content-Transfer-Encoding: base64'], body: Buffer.from('Grüße\r\n').toString('base64') });
    expect(textPartsOf(message).text).toBe('Grüße\r\n');
  });

  it(`stops at ${MAX_TEXT_BYTES} bytes and says it did`, () => {
    const long = 'x'.repeat(MAX_TEXT_BYTES);
    const message = multipartMessage({ subtype: 'mixed', boundary: 'm', parts: [textPart(long.slice(10)), textPart('0123456789abcdef')] });
    expect(textPartsOf(message)).toEqual({ text: `${long.slice(10)}\n0123456789`, truncated: true });
    const huge = buildMessage({ body: 'y'.repeat(20 * 1024 * 1024) });
    const started = performance.now();
    const result = textPartsOf(huge);
    expect(performance.now() - started).toBeLessThan(500);
    expect(result).toEqual({ text: 'y'.repeat(MAX_TEXT_BYTES), truncated: true });
  });

  it('says the text may be incomplete when the walk stopped at a cap', () => {
    const message = multipartMessage({ subtype: 'mixed', boundary: 'm', parts: Array.from({ length: 400 }, (_, i) => textPart(`part ${i}`)) });
    const result = textPartsOf(message);
    expect(result.truncated).toBe(true);
    expect(result.text.startsWith('part 0\npart 1\n')).toBe(true);
  });
});
