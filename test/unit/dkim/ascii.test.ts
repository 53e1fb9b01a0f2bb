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
  });
});
