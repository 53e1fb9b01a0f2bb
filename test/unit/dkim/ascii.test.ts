import { describe, expect, it } from 'vitest';
import { asciiLowerCase, trimFws, trimWsp, withoutFws } from '../../../shared/dkim/ascii.ts';

describe('ASCII white space and case, never JavaScript\'s', () => {
  it('trims SP and HTAB only', () => {
    expect(trimWsp(' \t a \t ')).toBe('a');
    expect(trimWsp('\x0b\x0c\xa0\ra\r\xa0')).toBe('\x0b\x0c\xa0\ra\r\xa0');
  });

  it('trims and removes folding white space (SP, HTAB, CR, LF) only', () => {
    expect(trimFws('\r\n\t a b \r\n')).toBe('a b');
    expect(trimFws('\x0ba\x0c')).toBe('\x0ba\x0c');
    expect(withoutFws('ab c\r\n\td\x0be')).toBe('abcd\x0be');
  });

  it('lower-cases A–Z and nothing else', () => {
    expect(asciiLowerCase('DKIM-Signature ÀÉ İ')).toBe('dkim-signature ÀÉ İ');
    // Characters toLowerCase() would fold to ASCII letters: the Kelvin sign (to "k") and the dotted capital I.
    expect(asciiLowerCase('\u212aEY')).toBe('\u212aey');
    expect(asciiLowerCase('\u0130D')).toBe('\u0130d');
    // Every ASCII character: only A–Z change.
    const ascii = String.fromCharCode(...Array.from({ length: 128 }, (_, code) => code));
    expect(asciiLowerCase(ascii)).toBe(ascii.replace(/[A-Z]/g, (letter) => String.fromCharCode(letter.charCodeAt(0) + 32)));
  });
});
