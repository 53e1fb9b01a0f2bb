/**
 * What free-text search matches, the same for every store: the words of a message's searchable fields and the
 * terms of a query, both folded the same way. A message matches a query when every term is the start of one of
 * its words ("virem" finds "virement"; "reunion" finds "Réunion"). Stores index these words (SQLite FTS5, the
 * DynamoDB token postings), never their own reading of the text, so both answer alike.
 *
 * Bounded: each field is read up to MAX_FIELD_CHARS, a message keeps at most MAX_WORDS distinct words of
 * MIN_WORD_CHARS to MAX_WORD_CHARS characters (longer ones cut there), a query at most MAX_TERMS terms. Words
 * shorter than MIN_WORD_CHARS ("re", "fw", "de") and STOP_WORDS are neither indexed nor searched: they are in
 * nearly every message, so they select nothing and would make the hottest postings.
 */
import type { MessageHeaders } from '../ports/verdict-store.ts';

export const MIN_WORD_CHARS = 3;
export const MAX_WORD_CHARS = 32;
export const MAX_WORDS = 64;
export const MAX_TERMS = 8;
const MAX_FIELD_CHARS = 2048;

/** Words so common in mail headers (English, French, address parts) that they select nothing. */
export const STOP_WORDS: ReadonlySet<string> = new Set(['the', 'and', 'for', 'les', 'des', 'une', 'pour', 'com', 'net', 'org', 'www', 'fwd']);

/** Lower case (Unicode) without diacritics: "Réunion" → "reunion". */
export function foldForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The searchable words of a text, in order, repeats included: runs of letters and digits, folded. */
function wordsOf(text: string): string[] {
  const words: string[] = [];
  for (const word of foldForSearch(text.slice(0, MAX_FIELD_CHARS)).split(/[^\p{L}\p{N}]+/u)) {
    if (word.length < MIN_WORD_CHARS || STOP_WORDS.has(word)) continue;
    words.push(word.slice(0, MAX_WORD_CHARS));
  }
  return words;
}

/**
 * The fields search reads: Subject, From, Message-ID, To and Cc (display names and addresses). To and Cc come
 * last: a Cc of a hundred addresses fills the MAX_WORDS cap with its own words, and would otherwise push out the
 * Message-ID's.
 */
export type SearchableHeaders = Pick<MessageHeaders, 'subject' | 'from' | 'messageId' | 'to' | 'cc'>;

/** A message's distinct search words, Subject's first: at most MAX_WORDS. */
export function searchWordsOf(headers: SearchableHeaders): string[] {
  const words = new Set<string>();
  for (const field of [headers.subject, headers.from, headers.messageId, headers.to, headers.cc]) {
    for (const word of field === null ? [] : wordsOf(field)) {
      if (words.size === MAX_WORDS) return [...words];
      words.add(word);
    }
  }
  return [...words];
}

/**
 * The terms of a query: its words as searchWordsOf makes them, each once, at most MAX_TERMS, longest first (the
 * likeliest rarest, what a store reads first). A term that starts another term is dropped: the longer implies it.
 * Empty when nothing searchable is left (only short or common words).
 */
export function searchTermsOf(q: string, max = MAX_TERMS): string[] {
  const distinct = [...new Set(wordsOf(q))].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  const terms: string[] = [];
  for (const word of distinct) if (!terms.some((term) => term.startsWith(word))) terms.push(word);
  return terms.slice(0, max);
}

/** Whether a message with these words matches every term (what the stores' indexes answer; for tests and checks). */
export function matchesTerms(words: readonly string[], terms: readonly string[]): boolean {
  return terms.every((term) => words.some((word) => word.startsWith(term)));
}
