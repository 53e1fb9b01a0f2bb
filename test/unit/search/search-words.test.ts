import { describe, expect, it } from 'vitest';
import { foldForSearch, matchesTerms, MAX_TERMS, MAX_WORD_CHARS, MAX_WORDS, searchTermsOf, searchWordsOf } from '../../../shared/search/search-words.ts';

const headers = (subject: string | null, from: string | null = null, messageId: string | null = null, to: string | null = null, cc: string | null = null) => ({ subject, from, messageId, to, cc });

describe('search words', () => {
  it('folds case and diacritics, keeping letters no decomposition changes', () => {
    expect(foldForSearch('Réunion ÉTÉ Ærø Straße İstanbul')).toBe('reunion ete ærø straße istanbul');
    expect(foldForSearch('ｆｕｌｌ　ｗｉｄｔｈ')).toBe('full width');
  });

  it('makes words of Subject, From and Message-ID: runs of letters and digits of 3 or more, common ones left out', () => {
    expect(searchWordsOf(headers('Re: TR: Virement – IBAN FR76 / the 2e', '"Hélène Müller" <h.muller@banque.example>', '<CA+x9@mail.gmail.com>'))).toEqual([
      'virement', 'iban', 'fr76', 'helene', 'muller', 'banque', 'example', 'mail', 'gmail',
    ]);
    expect(searchWordsOf(headers(null))).toEqual([]);
  });

  it('makes words of To and Cc too, after the Message-ID, so a long Cc cannot push the Message-ID out of the cap', () => {
    expect(searchWordsOf(headers('Virement', null, '<k7@mail.example>', 'Élodie Roux <e.roux@banque.example>', '"Zoë" <zoe@audit.example>, paul@press.example'))).toEqual([
      'virement', 'mail', 'example', 'elodie', 'roux', 'banque', 'zoe', 'audit', 'paul', 'press',
    ]);
    const crowd = Array.from({ length: 200 }, (_, i) => `person${i}@crowd.example`).join(', ');
    const words = searchWordsOf(headers('Budget', 'Ann <ann@x.example>', '<unique-id-42@mailer.example>', null, crowd));
    expect(words).toHaveLength(MAX_WORDS);
    expect(words.slice(0, 7)).toEqual(['budget', 'ann', 'example', 'unique', 'mailer', 'person0', 'crowd']);
  });

  it('bounds what a hostile message makes: 64 distinct words of at most 32 characters, from the first 2,048 of each field', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `word${i}`).join(' ');
    const words = searchWordsOf(headers(many, many, `${'x'.repeat(100_000)} tail`));
    expect(words).toHaveLength(MAX_WORDS);
    expect(searchWordsOf(headers('y'.repeat(100)))).toEqual(['y'.repeat(MAX_WORD_CHARS)]);
    expect(searchWordsOf(headers(`${' '.repeat(2048)}late`))).toEqual([]);
    const started = performance.now();
    searchWordsOf(headers('a-'.repeat(1_000_000), '\u0301'.repeat(1_000_000), '<'.repeat(1_000_000)));
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('makes terms of a query as it makes words, longest first, a term implied by a longer one dropped', () => {
    expect(searchTermsOf('  VIREM  réunion vir de com ')).toEqual(['reunion', 'virem']);
    expect(searchTermsOf('re: the')).toEqual([]);
    expect(searchTermsOf(Array.from({ length: 20 }, (_, i) => `term${i}x`).join(' '))).toHaveLength(MAX_TERMS);
  });

  it('matches when every term starts one of the words', () => {
    const words = searchWordsOf(headers('Virement urgent', 'Jean <jean@banque.example>'));
    expect(matchesTerms(words, searchTermsOf('virem jean'))).toBe(true);
    expect(matchesTerms(words, searchTermsOf('virem paul'))).toBe(false);
    expect(matchesTerms(words, searchTermsOf('irement'))).toBe(false);
  });
});
