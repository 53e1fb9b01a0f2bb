import { describe, expect, it } from 'vitest';
import { postingItems } from '../../../../shared/adapters/aws/dynamo-entry-items.ts';
import { itemSizeBound } from '../../../../shared/adapters/aws/dynamo-item-size.ts';
import { searchPartition, startOfTerm, wordStartsOf, WORDS_ATTRIBUTE } from '../../../../shared/adapters/aws/dynamo-search-postings.ts';
import { POSTINGS_TABLE } from '../../../../shared/adapters/aws/table-design.ts';
import { messageEntry } from '../../../helpers/store-records.ts';

const searchPostingsOf = (items: Record<string, unknown>[]) => items.filter((item) => String(item[POSTINGS_TABLE.partitionKey]).startsWith('token#'));

describe('DynamoDB search postings', () => {
  it('posts each message under the 3- and 6-character starts of its words, once each, with its listing and words', () => {
    expect(wordStartsOf(['virement', 'virements', 'vire', 'iban'])).toEqual(['vir', 'vireme', 'iba']);
    expect([startOfTerm('vir'), startOfTerm('virem'), startOfTerm('virement')]).toEqual(['vir', 'vir', 'vireme']);
    const message = messageEntry('a.eml', { subject: 'Virement urgent', sender: 'jean@banque.example' });
    const postings = searchPostingsOf(postingItems('d1', message));
    const starts = postings.map((item) => String(item[POSTINGS_TABLE.partitionKey]).replace(/^token#d1#/, '').replace(/#\d+$/, ''));
    expect(starts.sort()).toEqual(['ban', 'banque', 'eml', 'exa', 'exampl', 'jea', 'som', 'someon', 'tes', 'urg', 'urgent', 'vir', 'vireme']);
    expect(postings[0]).toMatchObject({ item: 'a.eml', locatorFull: 'a.eml', verdict: 'verified', sender: 'jean@banque.example', [WORDS_ATTRIBUTE]: ' virement urgent someone jean banque example eml test' });
    // Not the headers shown: a page reads them from the entries.
    expect(postings[0]).not.toHaveProperty('subject');
    // The message's shard, as for its other postings.
    expect(new Set(postings.map((item) => String(item[POSTINGS_TABLE.partitionKey]).split('#').at(-1))).size).toBe(1);
  });

  it('bounds a hostile message: at most 128 postings (64 words, 2 starts each), each far under an item\'s size', () => {
    const subject = Array.from({ length: 5_000 }, (_, i) => `${String.fromCharCode(97 + (i % 26))}${'q'.repeat(40)}${i}`).join(' ');
    const postings = searchPostingsOf(postingItems('d1', messageEntry('a.eml', { subject, sender: `${'s'.repeat(5_000)}@example.com` })));
    expect(postings.length).toBeLessThanOrEqual(128);
    expect(Math.max(...postings.map((item) => itemSizeBound(item)))).toBeLessThan(3_000);
    expect(searchPartition('d#1', 'vir', 3)).toBe('token#d%231#vir#3');
  });
});
