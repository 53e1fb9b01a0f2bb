import { describe, expect, it } from 'vitest';
import { decodeBase64, isStrictBase64, readBase64 } from '../../../shared/mime/base64.ts';
import { base64Lines } from '../../helpers/mime-messages.ts';

/** What Node (and mailparser's libbase64) reads from the whole part as one string: the reference. */
const reference = (encoded: Buffer) => Buffer.from(encoded.toString('latin1'), 'base64');

describe('decodeBase64', () => {
  it('decodes mailer-wrapped base64 of every length around the chunk size', () => {
    for (const size of [0, 1, 2, 3, 12_287, 12_288, 12_289, 24_576, 100_000]) {
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 131 + 7) % 256));
      for (const eol of ['\r\n', '\n']) {
        const encoded = Buffer.from(base64Lines(bytes).replaceAll('\r\n', eol) + eol);
        expect(decodeBase64(encoded)).toEqual(bytes);
      }
    }
  });

  it('reads exactly as Node reads the whole string, whatever the bytes (white space, junk, padding, odd lines)', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (let run = 0; run < 300; run++) {
      const length = Math.floor(random() * 60_000);
      // Half the runs hold only data and line breaks of odd lengths (the chunked path), half some junk too.
      const junk = run % 2 === 0 ? 1 : 0;
      const chars: string[] = [];
      for (let i = 0; i < length; i++) {
        const r = junk ? random() : 0.002 + random() * 0.998;
        if (r < 0.0005) chars.push('=');
        else if (r < 0.001) chars.push(' ');
        else if (r < 0.0015) chars.push('!');
        else if (r < 0.002) chars.push('\r');
        else if (r < 0.02) chars.push(random() < 0.5 ? '\r\n' : '\n');
        else chars.push(alphabet[Math.floor(random() * 64)]!);
      }
      const encoded = Buffer.from(chars.join(''), 'latin1');
      expect(decodeBase64(encoded)).toEqual(reference(encoded));
    }
  });

  it('says a part is strict exactly when the byte-by-byte rule does, whatever sits where chunks meet', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const odd = ['=', '==', '-', '_', ' ', '\t', '\r', '!', '\u00e9'];
    let strictRuns = 0;
    for (let run = 0; run < 400; run++) {
      // Mailer-wrapped data of a length around one or two 16 KB chunks, with at most one odd character (or
      // none), put anywhere: in a full chunk, on a chunk's edge, in the last chunk, at the very end.
      const size = [12_000, 12_288, 12_300, 24_576, 30_000][run % 5]!;
      const lines = base64Lines(Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256))));
      const text = lines.replace(/=+\r\n$/, '\r\n');
      const at = run % 4 === 0 ? -1 : Math.floor(random() * text.length);
      const chars = at < 0 ? text : text.slice(0, at) + odd[run % odd.length] + text.slice(at);
      const encoded = Buffer.from(chars, 'latin1');
      const { bytes, strict } = readBase64(encoded);
      expect(bytes).toEqual(reference(encoded));
      expect(strict).toBe(isStrictBase64(encoded));
      if (strict) strictRuns++;
      const padded = Buffer.from(lines, 'latin1');
      expect(readBase64(padded).strict).toBe(isStrictBase64(padded));
    }
    expect(strictRuns).toBeGreaterThan(100);
    expect(strictRuns).toBeLessThan(400);
  });
});
