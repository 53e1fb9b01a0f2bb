import { describe, expect, it } from 'vitest';
import { caseAt, caseStride, SPECIAL_CASES } from '../../../tools/generator/cases.ts';
import { parisOffsetMinutes, rfc5322Date } from '../../../tools/generator/mail-dates.ts';
import { encodedWords, quotedPrintable } from '../../../tools/generator/mime.ts';
import { createPrng } from '../../../tools/generator/prng.ts';
import { mboxrdQuote } from '../../../tools/generator/writers/mbox-quoting.ts';
import { parseByteSize } from '../../../tools/generator/byte-size.ts';

describe('createPrng', () => {
  it('repeats for a seed and differs between seeds', () => {
    const draw = (seed: string) => Array.from({ length: 5 }, createPrng(seed).next);
    expect(draw('a')).toEqual(draw('a'));
    expect(draw('a')).not.toEqual(draw('b'));
    const prng = createPrng('range');
    for (let i = 0; i < 1000; i++) expect(prng.int(3, 5)).toBeGreaterThanOrEqual(3);
  });
});

describe('case schedule', () => {
  it('covers every special case within 40 messages and keeps big dumps 90% plain verified', () => {
    const small = Array.from({ length: 40 }, (_, index) => caseAt(index, caseStride(40)));
    for (const id of SPECIAL_CASES) expect(small).toContain(id);
    const large = Array.from({ length: 2000 }, (_, index) => caseAt(index, caseStride(2000)));
    expect(large.filter((id) => id === 'verified-rsa').length).toBe(1800);
  });
});

describe('mboxrdQuote', () => {
  it('adds one ">" to lines matching /^>*From / and nothing else', () => {
    const message = Buffer.from('From: a@b\r\n\r\nFrom here\r\n>From there\r\n>>From afar\r\n From not\r\nX From no\r\n');
    expect(mboxrdQuote(message).toString()).toBe('From: a@b\r\n\r\n>From here\r\n>>From there\r\n>>>From afar\r\n From not\r\nX From no\r\n');
  });

  it('returns the message as is when nothing needs quoting', () => {
    const message = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    expect(mboxrdQuote(message)).toBe(message);
  });
});

describe('MIME encodings', () => {
  it('quoted-printable keeps lines within 76 characters and encodes latin-1 and trailing spaces', () => {
    const text = `${'é'.repeat(60)} fin \nFrom here`;
    const encoded = quotedPrintable(text, 'iso-8859-1');
    for (const line of encoded.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    expect(encoded).toContain('=E9');
    expect(encoded).toMatch(/fin=20\r\nFrom here$/);
  });

  it('encodes non-ASCII header text as Q encoded-words', () => {
    expect(encodedWords('Réunion', 'iso-8859-1')).toBe('=?ISO-8859-1?Q?R=E9union?=');
    expect(encodedWords('Plain', 'utf-8')).toBe('Plain');
  });
});

describe('mail dates', () => {
  it('stamps Paris time, CET in winter and CEST from the last Sunday of March', () => {
    expect(parisOffsetMinutes(new Date('2017-03-26T00:59:00Z'))).toBe(60);
    expect(parisOffsetMinutes(new Date('2017-03-26T01:00:00Z'))).toBe(120);
    expect(rfc5322Date(new Date('2017-04-27T08:15:03Z'), true)).toBe('Thu, 27 Apr 2017 10:15:03 +0200 (CEST)');
  });
});

describe('parseByteSize', () => {
  it('reads sizes with units', () => {
    expect(parseByteSize('250m')).toBe(250_000_000);
    expect(parseByteSize('1g')).toBe(1_000_000_000);
    expect(parseByteSize('50k')).toBe(51_200);
    expect(() => parseByteSize('lots')).toThrow();
  });
});
