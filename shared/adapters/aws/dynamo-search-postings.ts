/**
 * The token index of free-text search in DynamoDB (see table-design.ts "Search"): each message's search words
 * (shared/search/search-words.ts) posted under the starts of those words, so a search term is one Query.
 *
 * A word posts its first SEARCH_PREFIX_LENGTHS characters (3 and 6; a word of 3 to 5 posts only its first 3),
 * each start once per message: partition "token#<dump>#<start>#<shard>", sorted by locator, the shard the
 * message's as for its other postings. Each posting carries what the listing's other filters read
 * (FILTERED_ATTRIBUTES, each up to FILTERED_ATTRIBUTE_BYTES) and all the message's words, each after a space, so
 * a term longer than the start it is found under, and every other term of the search, is a
 * `contains(words, " <term>")` filter on the one Query: a search reads the postings of one term (the rarest,
 * see dynamo-message-listing.ts), never an intersection of several. Not the Subject or From: a posting stays
 * ~0.3–2.5 KB (1–3 WCU) whatever the headers, and a page reads its lines from the entries' items.
 */
import type { MessageRecord } from '../../ports/verdict-store.ts';
import { searchWordsOf } from '../../search/search-words.ts';
import { boundedPartitionKey, boundedSortKey, keyPart } from './dynamo-keys.ts';
import { POSTINGS_TABLE, SEARCH_WORDS_ATTRIBUTE } from './table-design.ts';

type Item = Record<string, unknown>;

/** The word starts postings are made for; a term is found under the longest of them it is not shorter than. */
export const SEARCH_PREFIX_LENGTHS = [3, 6] as const;

/** The attribute of a search posting (and of an entry item, for sorted listings) holding its message's words, each after a space. */
export const WORDS_ATTRIBUTE = SEARCH_WORDS_ATTRIBUTE;

/** Partition of the postings of a dump's messages with a word starting `start`, in one shard. */
export function searchPartition(dumpId: string, start: string, shard: number): string {
  return boundedPartitionKey(`token#${keyPart(dumpId)}#${keyPart(start)}#${shard}`);
}

/** The distinct word starts a message with these words is posted under. */
export function wordStartsOf(words: readonly string[]): string[] {
  const starts = new Set<string>();
  for (const word of words) for (const length of SEARCH_PREFIX_LENGTHS) if (word.length >= length) starts.add(word.slice(0, length));
  return [...starts];
}

/** The word start a term's postings are read under: the longest posted start the term begins with. */
export function startOfTerm(term: string): string {
  const length = [...SEARCH_PREFIX_LENGTHS].reverse().find((candidate) => term.length >= candidate)!;
  return term.slice(0, length);
}

/** The value a `contains` filter looks for in WORDS_ATTRIBUTE: a word starting with the term. */
export function wordStartFilterValue(term: string): string {
  return ` ${term}`;
}

/** A message's words as WORDS_ATTRIBUTE holds them (each after a space: ≤ 64 × 33 characters); null when it has none. */
export function wordsAttributeOf(record: MessageRecord): string | null {
  const words = searchWordsOf(record);
  return words.length === 0 ? null : words.map(wordStartFilterValue).join('');
}

/** The listing attributes a search's other filters read (dynamo-message-listing.ts filterOf). */
const FILTERED_ATTRIBUTES = ['verdict', 'reasons', 'sender', 'senderDomain', 'date', 'signingDomains'] as const;
/** A filtered attribute longer than this (a hostile sender) is left out: that filter then does not match it. */
const FILTERED_ATTRIBUTE_BYTES = 1024;

/** A message's search postings, in its shard, each with the filtered attributes of its `listing`. */
export function searchPostings(dumpId: string, record: MessageRecord, shard: number, locator: string, listing: Item): Item[] {
  const words = searchWordsOf(record);
  const text = wordsAttributeOf(record);
  if (text === null) return [];
  const filtered: Item = { locatorFull: locator };
  for (const name of FILTERED_ATTRIBUTES) {
    const value = listing[name];
    if (name === 'verdict' || name === 'reasons' || Buffer.byteLength(JSON.stringify(value ?? null)) <= FILTERED_ATTRIBUTE_BYTES) filtered[name] = value;
  }
  return wordStartsOf(words).map((start) => ({
    [POSTINGS_TABLE.partitionKey]: searchPartition(dumpId, start, shard),
    [POSTINGS_TABLE.sortKey]: boundedSortKey(locator),
    ...filtered,
    [WORDS_ATTRIBUTE]: text,
  }));
}
