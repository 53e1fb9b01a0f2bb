/**
 * The behaviour every VerdictStore must show (see scratch/DESIGN-4-5.md "Store semantics"), as vitest tests run
 * against any adapter: `verdictStoreContract(makeStore)` declares them. Only the port is used, and entries are
 * written in batches of distinct entries (a store may count a batch by its content), so the suite runs as well
 * on an emulated DynamoDB as on SQLite.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { locatorKey } from '../../shared/dump/entry.ts';
import {
  BadCursorError,
  MESSAGE_SORT_FIELDS,
  senderDomainOf,
  type DocumentListing,
  type DocumentQuery,
  type EntryRecord,
  type MessageListing,
  type MessagePage,
  type MessageQuery,
  type MessageRecord,
  type MessageSort,
  type SelectorUse,
  type VerdictStore,
} from '../../shared/ports/verdict-store.ts';
import type { FilePlace } from '../../shared/documents/contract.ts';
import { sortKeyOf } from '../../shared/pipeline/sorted-listing.ts';
import { messageIdentityOf } from '../../shared/provenance/message-identity.ts';
import { matchesTerms, searchTermsOf, searchWordsOf } from '../../shared/search/search-words.ts';
import type { Reason, Verdict, VerdictChange } from '../../shared/verdict/contract.ts';
import {
  attachmentRecord,
  documentEntry,
  dumpInput,
  errorEntry,
  fileMetadata,
  keyEvidence,
  messageEntry,
  provenanceEvidence,
  sha256Of as sha,
  signature,
  skippedEntry,
} from './store-records.ts';

export interface StoreUnderTest {
  store: VerdictStore;
  close(): Promise<void>;
}

const T0 = new Date('2025-01-01T00:00:00.000Z');
const T1 = new Date('2025-01-02T00:00:00.000Z');
const T2 = new Date('2025-01-03T00:00:00.000Z');
const BATCH = 500;

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function putInBatches(store: VerdictStore, dumpId: string, entries: EntryRecord[]): Promise<void> {
  for (let start = 0; start < entries.length; start += BATCH) await store.putEntries(dumpId, entries.slice(start, start + BATCH));
}

/** UTF-8 byte order: how SQLite's BINARY collation and DynamoDB sort keys order locator keys. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** What a listing shows of an entry, worked out here independently of any store (null: skipped or a document, never listed). */
function listingOf(entry: EntryRecord): MessageListing | null {
  const locator = locatorKey(entry.locator);
  if (entry.kind === 'skipped' || entry.kind === 'document') return null;
  if (entry.kind === 'error') return unreadableListing(locator);
  const domains = [...new Set(entry.signatures.map((s) => s.d?.trim().toLowerCase()).filter((d): d is string => !!d))];
  const { verdict, reasons, messageId, from, sender, date, subject, unsignedShown } = entry;
  return { locator, verdict, reasons, messageId, from, sender, date, subject, signingDomains: domains, unsignedShown };
}

function unreadableListing(locator: string): MessageListing {
  const none = { messageId: null, from: null, sender: null, date: null, subject: null };
  return { locator, verdict: 'error', reasons: ['parse-error'], ...none, signingDomains: [], unsignedShown: [] };
}

function matches(line: MessageListing, query: Omit<MessageQuery, 'limit' | 'cursor'>): boolean {
  if (query.verdict !== undefined && line.verdict !== query.verdict) return false;
  if (query.reason !== undefined && !line.reasons.includes(query.reason)) return false;
  if (query.domain !== undefined && !line.signingDomains.includes(query.domain)) return false;
  if (query.from !== undefined && (query.from.includes('@') ? line.sender : senderDomainOf(line.sender)) !== query.from) return false;
  if (query.after !== undefined && (line.date === null || line.date < query.after)) return false;
  if (query.before !== undefined && (line.date === null || line.date >= query.before)) return false;
  return true;
}

function expectedListing(entries: EntryRecord[], query: Omit<MessageQuery, 'limit' | 'cursor'>): MessageListing[] {
  return entries
    .map(listingOf)
    .filter((line): line is MessageListing => line !== null && matches(line, query))
    .sort((a, b) => byteOrder(a.locator, b.locator));
}

/** Every page of a listing, checking each keeps to the limit; fails rather than loop if cursors never end. */
async function walk(store: VerdictStore, dumpId: string, query: Omit<MessageQuery, 'limit' | 'cursor'>, limit: number) {
  const listed: MessageListing[] = [];
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = await store.listMessages(dumpId, { ...query, limit, ...(cursor === undefined ? {} : { cursor }) });
    expect(page).not.toBeNull();
    expect(page!.messages.length).toBeLessThanOrEqual(limit);
    listed.push(...page!.messages);
    if (page!.cursor === null) return { listed, pages };
    cursor = page!.cursor;
    expect(pages).toBeLessThan(10_000);
  }
}

// A corpus with every shape a listing meets: mbox offsets (text order is not number order), paths outside the
// Basic Multilingual Plane and just below it (UTF-16 and UTF-8 order them differently), skipped and unreadable
// entries, messages signed by no, one and two domains (in mixed case), without sender or date.
const SENDERS = ['alice@big.example', 'bob@big.example', 'carol@small.example', 'dan@other.example'];
const OUTCOMES: { verdict: Verdict; reasons: Reason[] }[] = [
  { verdict: 'verified', reasons: [] },
  { verdict: 'partially-verified', reasons: ['weak-key'] },
  { verdict: 'failed', reasons: ['body-hash-mismatch'] },
  { verdict: 'unverified', reasons: ['key-unavailable'] },
  { verdict: 'partially-verified', reasons: ['sha1', 'weak-key'] },
  { verdict: 'verified', reasons: [] },
  { verdict: 'unverified', reasons: ['no-signature'] },
];
const SIGNERS: string[][] = [[], ['big.example'], ['esp.example', 'Big.Example'], ['ESP.example']];

function corpusPath(i: number): string {
  if (i % 50 === 0) return `ü/${i}.eml`;
  if (i % 77 === 0) return `😀/${i}.eml`;
  if (i % 61 === 0) return `ｆ/${i}.eml`;
  return `folder${i % 7}/m${i}.eml`;
}

export function corpus(size: number): EntryRecord[] {
  const entries: EntryRecord[] = [];
  for (let i = 0; i < size; i++) {
    if (i % 97 === 13) entries.push(skippedEntry(`attachments/${i}.png`));
    else if (i % 89 === 7) entries.push(errorEntry(`broken/${i}.eml`));
    else {
      const path = i % 3 === 0 ? 'inbox.mbox' : corpusPath(i);
      const month = String(((i * 7) % 12) + 1).padStart(2, '0');
      const day = String((i % 28) + 1).padStart(2, '0');
      entries.push(
        messageEntry(path, {
          ...(i % 3 === 0 ? { offset: i * 1000 } : {}),
          ...OUTCOMES[i % OUTCOMES.length]!,
          signedBy: SIGNERS[i % SIGNERS.length]!,
          sender: i % 6 === 5 ? null : SENDERS[i % SENDERS.length]!,
          date: i % 10 === 9 ? null : `2023-${month}-${day}T${String(i % 24).padStart(2, '0')}:00:00.000Z`,
        }),
      );
    }
  }
  return entries;
}

const LISTING_QUERIES: { name: string; query: Omit<MessageQuery, 'limit' | 'cursor'>; limit: number }[] = [
  { name: 'no filter', query: {}, limit: 97 },
  { name: 'no filter, pages of 500', query: {}, limit: 500 },
  { name: 'a verdict', query: { verdict: 'partially-verified' }, limit: 97 },
  { name: 'verdict error: the unreadable entries', query: { verdict: 'error' }, limit: 7 },
  { name: 'a reason', query: { reason: 'weak-key' }, limit: 97 },
  { name: 'a reason only some of its verdict have', query: { reason: 'sha1' }, limit: 50 },
  { name: 'reason parse-error', query: { reason: 'parse-error' }, limit: 1 },
  { name: 'a signing domain, first or second signer', query: { domain: 'big.example' }, limit: 97 },
  { name: 'a signing domain signing in capitals', query: { domain: 'esp.example' }, limit: 97 },
  { name: 'a sender address', query: { from: 'alice@big.example' }, limit: 97 },
  { name: 'a sender domain', query: { from: 'big.example' }, limit: 97 },
  { name: 'dates from', query: { after: '2023-10-01T00:00:00.000Z' }, limit: 97 },
  { name: 'dates before', query: { before: '2023-03-15T00:00:00.000Z' }, limit: 97 },
  { name: 'a date range', query: { after: '2023-04-01T00:00:00.000Z', before: '2023-06-01T00:00:00.000Z' }, limit: 33 },
  { name: 'verdict and signing domain', query: { verdict: 'partially-verified', domain: 'big.example' }, limit: 20 },
  { name: 'reason, sender domain and date', query: { reason: 'weak-key', from: 'big.example', after: '2023-06-01T00:00:00.000Z' }, limit: 20 },
  {
    name: 'sender address and date range',
    query: { from: 'carol@small.example', after: '2023-02-01T00:00:00.000Z', before: '2023-09-01T00:00:00.000Z' },
    limit: 20,
  },
  { name: 'signing domain and sender', query: { domain: 'esp.example', from: 'dan@other.example' }, limit: 20 },
  { name: 'a reason of another verdict: nothing', query: { verdict: 'failed', reason: 'weak-key' }, limit: 20 },
  { name: 'a domain nobody signs with: nothing', query: { domain: 'nobody.example' }, limit: 20 },
];

// Search and sort: subjects in several languages and cases, with diacritics, words sharing their starts
// ("virement", "virements", "vire"), senders with display names, and entries without subject, sender or date.
const SUBJECT_WORDS = ['Virement urgent', 'VIREMENTS du mois', 'Réunion de crise', 'reunion annulée', 'Facture n°2023-114', 'Comptes de la société', 'Re: vire le fichier', 'Été à Paris', 'Straße und Grüße', 'Ordre de virement – IBAN FR76'];
const SEARCH_SENDERS: (string | null)[] = ['jean.dupont@banque.example', 'Marie@Societe.example', 'zoe@other.example', null];

function searchCorpus(size: number): EntryRecord[] {
  const entries: EntryRecord[] = [];
  for (let i = 0; i < size; i++) {
    if (i % 37 === 5) {
      entries.push(errorEntry(`broken/${i}.eml`));
      continue;
    }
    const sender = SEARCH_SENDERS[i % SEARCH_SENDERS.length]!;
    const message = messageEntry(i % 5 === 0 ? 'inbox.mbox' : `box${i % 4}/m${i}.eml`, {
      ...(i % 5 === 0 ? { offset: i * 100 } : {}),
      ...OUTCOMES[i % OUTCOMES.length]!,
      signedBy: SIGNERS[i % SIGNERS.length]!,
      subject: i % 11 === 3 ? null : `${SUBJECT_WORDS[i % SUBJECT_WORDS.length]!} ${i % 3 === 0 ? 'Paiement' : 'suivi'}`,
      sender: sender === null ? null : sender.toLowerCase(),
      date: i % 9 === 4 ? null : `2024-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}T08:00:00.000Z`,
    });
    entries.push({ ...message, from: sender === null ? null : `${i % 2 ? 'Jean Dupont' : 'Hélène Müller'} <${sender}>` });
  }
  return entries;
}

/** The locators a query should list of the search corpus, by the words search-words.ts defines (any order). */
function searched(entries: EntryRecord[], q: string, query: Omit<MessageQuery, 'limit' | 'cursor' | 'q'> = {}): MessageListing[] {
  const terms = searchTermsOf(q);
  return entries.flatMap((entry) => {
    const line = listingOf(entry);
    if (line === null || entry.kind !== 'message' || terms.length === 0 || !matches(line, query)) return [];
    return matchesTerms(searchWordsOf(entry), terms) ? [line] : [];
  });
}

/** Lines in a sort's order: by its key, then locator, both in its direction. */
function sortedLines(lines: MessageListing[], sort: MessageSort): MessageListing[] {
  const compare = (a: MessageListing, b: MessageListing) => {
    const [x, y] = [sortKeyOf(a, sort.by), sortKeyOf(b, sort.by)];
    const byKey = typeof x === 'number' ? x - (y as number) : byteOrder(x, y as string);
    return byKey !== 0 ? byKey : byteOrder(a.locator, b.locator);
  };
  return [...lines].sort((a, b) => (sort.descending ? compare(b, a) : compare(a, b)));
}

const SEARCH_QUERIES: { name: string; q: string; query?: Omit<MessageQuery, 'limit' | 'cursor' | 'q'>; limit: number }[] = [
  { name: 'a word start, any case', q: 'virem', limit: 13 },
  { name: 'without its diacritics', q: 'reunion', limit: 13 },
  { name: 'with diacritics the text lacks', q: 'réunion annulee', limit: 5 },
  { name: 'two words, both must match', q: 'VIREMENT paiement', limit: 7 },
  { name: 'a sender display name with diacritics', q: 'helene', limit: 50 },
  { name: 'a sender address part', q: 'banque', limit: 50 },
  { name: 'a Message-ID whole', q: '<box1/m5@example.test>', limit: 3 },
  { name: 'a word from ß', q: 'straße', limit: 10 },
  { name: 'digits', q: '2023-114', limit: 10 },
  { name: 'combined with a verdict', q: 'vire', query: { verdict: 'partially-verified' }, limit: 5 },
  { name: 'combined with a signing domain and a date', q: 'paiement', query: { domain: 'big.example', after: '2024-03-01T00:00:00.000Z' }, limit: 5 },
  { name: 'combined with a sender domain', q: 'suivi', query: { from: 'other.example' }, limit: 5 },
  { name: 'short and common words only: nothing', q: 're: de la', limit: 10 },
  { name: 'a word nobody wrote: nothing', q: 'zzyzx', limit: 10 },
];

/** Every page of a document listing, checking each keeps to the limit. */
async function walkDocuments(store: VerdictStore, dumpId: string, query: Omit<DocumentQuery, 'limit' | 'cursor'>, limit: number): Promise<DocumentListing[]> {
  const listed: DocumentListing[] = [];
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = await store.listDocuments(dumpId, { ...query, limit, ...(cursor === undefined ? {} : { cursor }) });
    expect(page).not.toBeNull();
    expect(page!.documents.length).toBeLessThanOrEqual(limit);
    listed.push(...page!.documents);
    if (page!.cursor === null) return listed;
    cursor = page!.cursor;
    expect(pages).toBeLessThan(10_000);
  }
}

/** Places in a fixed order (a store may give them in any): by dump, locator, MIME path. */
function placesInOrder(places: FilePlace[]): FilePlace[] {
  const key = (place: FilePlace) => `${place.dumpId}\u0000${place.locator}\u0000${place.mimePath ?? ''}`;
  return [...places].sort((a, b) => byteOrder(key(a), key(b)));
}

function history(verdict: Verdict, reasons: Reason[]): VerdictChange {
  const times = { verifiedAt: '2025-03-01T12:00:00.000Z', replacedAt: '2025-06-01T00:00:00.000Z' };
  return { verdict, reasons, rulesVersion: 1, ...times, cause: 'key-compromised' };
}

export function verdictStoreContract(makeStore: () => Promise<StoreUnderTest>): void {
  describe('VerdictStore contract', () => {
    describe('listMessages over a corpus of 2,000 entries', () => {
      const entries = corpus(2_000);
      let shared: StoreUnderTest;
      beforeAll(async () => {
        shared = await makeStore();
        await shared.store.openDump(dumpInput('big'), T0);
        await shared.store.openDump(dumpInput('other'), T1);
        await putInBatches(shared.store, 'big', entries);
        // Documents are never listed as messages.
        await shared.store.putEntries('big', [documentEntry('folder1/report.pdf', 'r'), documentEntry('ü/sheet.xlsx', 's'), documentEntry('zz.png', 'z')]);
        // Another dump's messages never show.
        await shared.store.putEntries('other', corpus(50));
      }, 120_000);
      afterAll(() => shared?.close());

      it.each(LISTING_QUERIES)('walks $name: each match once, in locator order', async ({ query, limit }) => {
        const expected = expectedListing(entries, query);
        const { listed } = await walk(shared.store, 'big', query, limit);
        expect(listed.length).toBe(expected.length);
        expect(listed).toEqual(expected);
      });

      it('has something to find for every query that is not meant to be empty', () => {
        for (const { name, query } of LISTING_QUERIES) {
          if (!name.endsWith('nothing')) expect(expectedListing(entries, query).length, name).toBeGreaterThan(1);
        }
      });
    });

    describe('search and sort over a corpus of 400 entries', () => {
      const entries = searchCorpus(400);
      let shared: StoreUnderTest;
      beforeAll(async () => {
        shared = await makeStore();
        await shared.store.openDump(dumpInput('s'), T0);
        await shared.store.openDump(dumpInput('elsewhere'), T1);
        await putInBatches(shared.store, 's', entries);
        await shared.store.putEntries('elsewhere', searchCorpus(30));
      }, 120_000);
      afterAll(() => shared?.close());

      it.each(SEARCH_QUERIES)('finds $name, in locator order, each match once', async ({ q, query, limit }) => {
        const expected = searched(entries, q, query).sort((a, b) => byteOrder(a.locator, b.locator));
        const { listed } = await walk(shared.store, 's', { ...query, q }, limit);
        expect(listed).toEqual(expected);
      });

      it('has something to find for every search not meant to be empty, and fewer than all', () => {
        for (const { name, q, query } of SEARCH_QUERIES) {
          const found = searched(entries, q, query).length;
          if (!name.endsWith('nothing')) expect(found, name).toBeGreaterThan(0);
          expect(found, name).toBeLessThan(entries.length / 2);
        }
        // The folding is what a reader expects, worked out by hand here.
        const subjects = (q: string) => new Set(searched(entries, q).map((line) => line.subject!.split(' ')[0]));
        expect(subjects('virem')).toEqual(new Set(['Virement', 'VIREMENTS', 'Ordre']));
        expect(subjects('reunion')).toEqual(new Set(['Réunion', 'reunion']));
        expect(subjects('ete')).toEqual(new Set(['Été']));
      });

      it('finds a message again under its new words when it is replaced, and no longer under its old ones', async () => {
        const own = await makeStore();
        onTestFinished(() => own.close());
        const store = own.store;
        await store.openDump(dumpInput('r'), T0);
        const before = messageEntry('a.eml', { subject: 'Virement urgent' });
        await store.putEntries('r', [before, messageEntry('b.eml', { subject: 'Autre chose' })]);
        expect((await store.listMessages('r', { q: 'virement', limit: 10 }))!.messages.map((line) => line.locator)).toEqual(['a.eml']);
        await store.replaceMessages('r', [{ ...before, subject: 'Réunion', verdict: 'failed', reasons: ['body-hash-mismatch'] }], 'batch-1');
        expect((await store.listMessages('r', { q: 'virement', limit: 10 }))!.messages).toEqual([]);
        expect((await store.listMessages('r', { q: 'reunion', limit: 10 }))!.messages.map((line) => [line.locator, line.verdict])).toEqual([['a.eml', 'failed']]);
      });

      it('finds a message by a word of its To or Cc, and keeps both as written with the entry and its export', async () => {
        const own = await makeStore();
        onTestFinished(() => own.close());
        const store = own.store;
        await store.openDump(dumpInput('t'), T0);
        const copied = messageEntry('copied.eml', { subject: 'Note', to: '"Élodie Roux" <e.roux@banque.example>', cc: '"Zoë Kowalski" <zoe@audit.example>, desk@press.example' });
        await store.putEntries('t', [copied, messageEntry('plain.eml', { subject: 'Note' })]);
        const found = async (q: string) => (await store.listMessages('t', { q, limit: 10 }))!.messages.map((line) => line.locator);
        expect(await found('kowal')).toEqual(['copied.eml']);
        expect(await found('zoe audit')).toEqual(['copied.eml']);
        expect(await found('elodie')).toEqual(['copied.eml']);
        expect(await found('kowal elodie note')).toEqual(['copied.eml']);
        expect(await found('kowal plain')).toEqual([]);
        expect(await store.getEntry('t', 'copied.eml')).toMatchObject({ to: copied.to, cc: copied.cc });
        expect(await store.getEntry('t', 'plain.eml')).toMatchObject({ to: null, cc: null });
        const exported = [];
        for await (const record of store.exportRecords('t')) exported.push(record);
        expect(exported.map((record) => [record.locator, record.to, record.cc])).toEqual([
          ['copied.eml', copied.to, copied.cc],
          ['plain.eml', null, null],
        ]);
      });

      it('keeps which shown values are not signed with the entry, its listing (every way of listing) and its export; not known reads null', async () => {
        const own = await makeStore();
        onTestFinished(() => own.close());
        const store = own.store;
        await store.openDump(dumpInput('u'), T0);
        const forged = messageEntry('forged.eml', { verdict: 'partially-verified', reasons: ['unsigned-header', 'duplicate-header'], subject: 'Resign now', signedBy: ['example.com'], unsignedShown: ['subject', 'from'] });
        const genuine = messageEntry('genuine.eml', { subject: 'Resign now', signedBy: ['example.com'] });
        const legacy = messageEntry('legacy.eml', { subject: 'Resign now', signedBy: ['example.com'], unsignedShown: null });
        await store.putEntries('u', [forged, genuine, legacy, errorEntry('bad.eml')]);
        const marks = (page: MessagePage | null) => page!.messages.map((line) => [line.locator, line.unsignedShown]);
        const all = [['bad.eml', []], ['forged.eml', ['subject', 'from']], ['genuine.eml', []], ['legacy.eml', null]];
        expect(marks(await store.listMessages('u', { limit: 10 }))).toEqual(all);
        expect(marks(await store.listMessages('u', { verdict: 'partially-verified', limit: 10 }))).toEqual([all[1]]);
        expect(marks(await store.listMessages('u', { domain: 'example.com', limit: 10 }))).toEqual(all.slice(1));
        expect(marks(await store.listMessages('u', { from: 'example.test', limit: 10 }))).toEqual(all.slice(1));
        expect(marks(await store.listMessages('u', { q: 'resign', limit: 10 }))).toEqual(all.slice(1));
        expect(await store.getEntry('u', 'forged.eml')).toEqual(forged);
        expect(await store.getEntry('u', 'legacy.eml')).toEqual(legacy);
        const exported = [];
        for await (const record of store.exportRecords('u')) exported.push([record.locator, record.unsignedShown]);
        expect(exported).toEqual([['bad.eml', null], ['forged.eml', ['subject', 'from']], ['genuine.eml', []], ['legacy.eml', null]]);
      });

      const SORTS: MessageSort[] = MESSAGE_SORT_FIELDS.flatMap((by) => [false, true].map((descending) => ({ by, descending })));

      // Every store sorts, alike: missing fields (no subject, sender or date; unreadable entries) first ascending
      // and last descending, ties by locator in the sort's direction, pages of a few lines across all the shards,
      // and each sort combined with the other filters. Each walk takes four or five pages.
      const SORTED_QUERIES: Omit<MessageQuery, 'limit' | 'cursor' | 'sort'>[] = [
        {},
        { q: 'paiement' },
        { q: 'virem suivi', verdict: 'verified' },
        { verdict: 'failed' },
        { verdict: 'error' },
        { reason: 'weak-key' },
        { domain: 'big.example' },
        { domain: 'esp.example', q: 'suivi' },
        { from: 'banque.example' },
        { from: 'zoe@other.example', after: '2024-03-01T00:00:00.000Z', before: '2024-10-01T00:00:00.000Z' },
      ];

      it.each(SORTS)('sorts by $by (descending: $descending), page after page, each line once', async (sort) => {
        for (const query of SORTED_QUERIES) {
          const expected = query.q !== undefined ? searched(entries, query.q, query) : expectedListing(entries, query);
          expect(expected.length, JSON.stringify(query)).toBeGreaterThan(8);
          const { listed, pages } = await walk(shared.store, 's', { ...query, sort }, Math.ceil(expected.length / 4));
          expect(listed, JSON.stringify(query)).toEqual(sortedLines(expected, sort));
          expect(pages).toBeGreaterThanOrEqual(4);
        }
      });

      it('sorts lines with the same key by locator, and lines without the field at the start (ascending) or the end', async () => {
        const lines = (await walk(shared.store, 's', { sort: { by: 'subject', descending: false } }, 50)).listed;
        const missing = lines.filter((line) => line.subject === null);
        expect(missing.length).toBeGreaterThan(10);
        expect(lines.slice(0, missing.length)).toEqual(missing);
        expect(missing.map((line) => line.locator)).toEqual(missing.map((line) => line.locator).sort(byteOrder));
        // ASCII case aside: "VIREMENTS du mois" sorts between "Virement urgent" and "Été"; "É" stays after "v".
        const subjects = [...new Set(lines.slice(missing.length).map((line) => line.subject!.split(' ')[0]))];
        expect(subjects.indexOf('Virement')).toBeLessThan(subjects.indexOf('VIREMENTS'));
        expect(subjects.indexOf('VIREMENTS')).toBeLessThan(subjects.indexOf('Été'));
        const descending = (await walk(shared.store, 's', { sort: { by: 'date', descending: true } }, 50)).listed;
        const undated = descending.filter((line) => line.date === null);
        expect(descending.slice(-undated.length)).toEqual(undated);
        expect(undated.map((line) => line.locator)).toEqual(undated.map((line) => line.locator).sort(byteOrder).reverse());
      });

      it('rejects a cursor of another sort, or of the unsorted listing', async () => {
        const date = { by: 'date', descending: false } as const;
        const unsorted = await shared.store.listMessages('s', { limit: 2 });
        const cursor = (await shared.store.listMessages('s', { limit: 2, sort: date }))!.cursor!;
        expect(cursor).not.toBeNull();
        await expect(shared.store.listMessages('s', { limit: 2, sort: date, cursor: unsorted!.cursor! })).rejects.toBeInstanceOf(BadCursorError);
        await expect(shared.store.listMessages('s', { limit: 2, sort: { by: 'date', descending: true }, cursor })).rejects.toBeInstanceOf(BadCursorError);
        await expect(shared.store.listMessages('s', { limit: 2, sort: { by: 'subject', descending: false }, cursor })).rejects.toBeInstanceOf(BadCursorError);
        await expect(shared.store.listMessages('s', { limit: 2, cursor })).rejects.toBeInstanceOf(BadCursorError);
        // The same cursor, given back with its sort, carries on after the first page.
        const next = (await shared.store.listMessages('s', { limit: 2, sort: date, cursor }))!.messages;
        const firstFour = (await shared.store.listMessages('s', { limit: 4, sort: date }))!.messages;
        expect(next).toEqual(firstFour.slice(2));
      });

      it('moves a re-verified message to its new verdict in the verdict sort, and to its new subject', async () => {
        const own = await makeStore();
        onTestFinished(() => own.close());
        const store = own.store;
        await store.openDump(dumpInput('v'), T0);
        const entries = ['a', 'b', 'c', 'd'].map((name, i) => messageEntry(`${name}.eml`, { ...OUTCOMES[i]!, subject: `Sujet ${name}` }));
        await store.putEntries('v', entries);
        const order = async (sort: MessageSort) => (await store.listMessages('v', { limit: 10, sort }))!.messages.map((line) => line.locator);
        expect(await order({ by: 'verdict', descending: false })).toEqual(['a.eml', 'b.eml', 'c.eml', 'd.eml']);
        await store.replaceMessages('v', [{ ...(entries[0] as MessageRecord), verdict: 'failed', reasons: ['body-hash-mismatch'], subject: 'Zut' }], 'batch-1');
        expect(await order({ by: 'verdict', descending: false })).toEqual(['b.eml', 'a.eml', 'c.eml', 'd.eml']);
        expect(await order({ by: 'verdict', descending: true })).toEqual(['d.eml', 'c.eml', 'a.eml', 'b.eml']);
        expect(await order({ by: 'subject', descending: false })).toEqual(['b.eml', 'c.eml', 'd.eml', 'a.eml']);
        expect((await store.listMessages('v', { limit: 10, sort: { by: 'verdict', descending: false }, verdict: 'failed' }))!.messages.map((line) => line.locator)).toEqual(['a.eml', 'c.eml']);
      });
    });

    describe('each test on a store of its own', () => {
      let current: StoreUnderTest;
      let store: VerdictStore;
      beforeEach(async () => {
        current = await makeStore();
        store = current.store;
      });
      afterEach(() => current.close());

      describe('dumps', () => {
        it('lists none before any is opened', async () => {
          expect(await store.listDumps()).toEqual([]);
          expect(await store.summary()).toBeNull();
        });

        it('lists dumps newest first, each with how far it got', async () => {
          await store.openDump(dumpInput('old'), T0);
          await store.openDump(dumpInput('new'), T1);
          await store.putEntries('old', [messageEntry('a.eml'), skippedEntry('logo.png'), errorEntry('bad.eml')]);
          await store.putEntries('new', [messageEntry('b.eml'), messageEntry('c.eml', { verdict: 'failed', reasons: ['signature-mismatch'] })]);
          const dumps = await store.listDumps();
          expect(dumps.map((dump) => dump.id)).toEqual(['new', 'old']);
          expect(dumps[1]).toMatchObject({ ...dumpInput('old'), startedAt: T0.toISOString(), messages: 1, skipped: 1, errors: 1, processed: 3 });
          expect(dumps[0]).toMatchObject({ ...dumpInput('new'), startedAt: T1.toISOString(), messages: 2, skipped: 0, errors: 0, processed: 2 });
          // Located: what the store read (local), or unknown while a splitter still lists the dump.
          for (const dump of dumps) expect([null, dump.processed]).toContain(dump.located);
        });
      });

      describe('markFailed', () => {
        it('fails a dump with its reason, shown in the listing and the summary, and keeps its entries', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.putEntries('d1', [messageEntry('a.eml'), errorEntry('b.eml')]);
          expect(await store.markFailed('d1', 'split stopped after 64 legs', T1)).toBe(true);
          const [listed] = await store.listDumps();
          expect(listed).toMatchObject({ id: 'd1', status: 'failed', failure: 'split stopped after 64 legs', finishedAt: T1.toISOString(), messages: 1, errors: 1 });
          expect((await store.summary('d1'))?.dump).toEqual(listed);
        });

        it('keeps the first reason, never fails a complete dump, and refuses an unknown one', async () => {
          await store.openDump(dumpInput('d1'), T0);
          expect(await store.markFailed('d1', 'first', T1)).toBe(true);
          expect(await store.markFailed('d1', 'second', T2)).toBe(false);
          expect((await store.summary('d1'))?.dump).toMatchObject({ status: 'failed', failure: 'first', finishedAt: T1.toISOString() });
          await store.openDump(dumpInput('d2'), T0);
          await store.setStatus('d2', 'complete', T1);
          expect(await store.markFailed('d2', 'late', T2)).toBe(false);
          const complete = (await store.summary('d2'))?.dump;
          expect(complete?.status).toBe('complete');
          expect(complete).not.toHaveProperty('failure');
          await expect(store.markFailed('nope', 'why', T1)).rejects.toThrow(/nope/);
        });

        it('starts a failed dump over when it is opened again, without the old reason', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.markFailed('d1', 'gave up', T1);
          const reopened = await store.openDump(dumpInput('d1'), T2);
          expect(reopened.status).not.toBe('failed');
          expect(reopened.finishedAt).toBeNull();
          expect(reopened).not.toHaveProperty('failure');
          expect((await store.summary('d1'))?.dump).not.toHaveProperty('failure');
        });
      });

      describe('summary', () => {
        it('summarises the newest dump when no id is given, with the dump as an overview', async () => {
          await store.openDump(dumpInput('old'), T0);
          await store.openDump(dumpInput('new'), T1);
          await store.putEntries('new', [messageEntry('a.eml'), skippedEntry('b.png')]);
          const summary = await store.summary();
          expect(summary?.dump).toMatchObject({ id: 'new', messages: 1, skipped: 1, errors: 0, processed: 2 });
          expect(await store.summary('nope')).toBeNull();
        });

        it('ranks sender domains (top 10, ties in domain order), leaving out messages without one', async () => {
          await store.openDump(dumpInput('d1'), T0);
          const entries: EntryRecord[] = [];
          const add = (sender: string | null, n: number) => {
            for (let i = 0; i < n; i++) entries.push(messageEntry(`m${entries.length}.eml`, { sender }));
          };
          add('x@b.example', 3);
          add('y@a1.example', 2);
          add('z@a1.example', 1);
          for (let d = 20; d >= 10; d--) add(`someone@d${d}.example`, 1);
          add(null, 4);
          add('undisclosed-recipients', 1);
          await store.putEntries('d1', entries);
          const summary = await store.summary('d1');
          expect(summary?.senderDomains).toEqual([
            { domain: 'a1.example', messages: 3 },
            { domain: 'b.example', messages: 3 },
            ...[10, 11, 12, 13, 14, 15, 16, 17].map((d) => ({ domain: `d${d}.example`, messages: 1 })),
          ]);
        });

        it('counts messages by month of their date, oldest first, split by verdict, and those without a date', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.putEntries('d1', [
            messageEntry('1.eml', { date: '2023-01-31T23:30:00.000Z' }),
            messageEntry('2.eml', { date: '2023-01-01T00:00:00.000Z' }),
            messageEntry('3.eml', { date: '2023-01-15T00:00:00.000Z', verdict: 'failed', reasons: ['body-hash-mismatch'] }),
            messageEntry('4.eml', { date: '2023-03-02T00:00:00.000Z' }),
            messageEntry('5.eml', { date: '2022-12-24T00:00:00.000Z', verdict: 'unverified', reasons: ['no-signature'] }),
            messageEntry('6.eml', { date: null }),
            messageEntry('7.eml', { date: null, verdict: 'failed', reasons: ['signature-mismatch'] }),
            skippedEntry('8.png'),
            errorEntry('9.eml'),
          ]);
          const summary = await store.summary('d1');
          expect(summary?.months).toEqual([
            { month: '2022-12', byVerdict: { unverified: 1 } },
            { month: '2023-01', byVerdict: { verified: 2, failed: 1 } },
            { month: '2023-03', byVerdict: { verified: 1 } },
          ]);
          expect(summary?.undated).toBe(2);
          expect(summary).toMatchObject({ messages: 7, skipped: 1, errors: 1, byVerdict: { verified: 4, failed: 2, unverified: 1 } });
        });

        it('has empty new fields for a dump without messages', async () => {
          await store.openDump(dumpInput('d1'), T0);
          expect(await store.summary('d1')).toMatchObject({ messages: 0, senderDomains: [], months: [], undated: 0, byVerdict: {} });
        });
      });

      describe('listMessages', () => {
        it('has no listing for a dump that does not exist, and an empty one for a dump without entries', async () => {
          expect(await store.listMessages('nope', { limit: 10 })).toBeNull();
          await store.openDump(dumpInput('d1'), T0);
          expect(await store.listMessages('d1', { limit: 10 })).toEqual({ messages: [], cursor: null });
          await store.putEntries('d1', [skippedEntry('a.png')]);
          expect(await store.listMessages('d1', { limit: 10 })).toEqual({ messages: [], cursor: null });
        });

        it('lists messages and unreadable entries (as verdict error) in locator order, never skipped ones', async () => {
          await store.openDump(dumpInput('d1'), T0);
          const signed = messageEntry('b.eml', {
            verdict: 'partially-verified',
            reasons: ['weak-key'],
            signedBy: ['Relay.example', 'sender.example', 'relay.example'],
          });
          const anonymous = messageEntry('inbox.mbox', { offset: 10_240, sender: null, date: null });
          await store.putEntries('d1', [signed, skippedEntry('a.png'), errorEntry('a.eml', 'truncated'), anonymous]);
          const page = await store.listMessages('d1', { limit: 10 });
          expect(page).toEqual({
            cursor: null,
            messages: [
              unreadableListing('a.eml'),
              {
                locator: 'b.eml',
                verdict: 'partially-verified',
                reasons: ['weak-key'],
                messageId: signed.messageId,
                from: signed.from,
                sender: signed.sender,
                date: signed.date,
                subject: signed.subject,
                signingDomains: ['relay.example', 'sender.example'],
                unsignedShown: [],
              },
              expect.objectContaining({ locator: 'inbox.mbox#10240', sender: null, date: null, from: null }),
            ],
          });
        });

        it('gives at most `limit` messages and a cursor to the rest', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.putEntries('d1', ['e', 'c', 'a', 'd', 'b'].map((name) => messageEntry(`${name}.eml`)));
          const first = await store.listMessages('d1', { limit: 2 });
          expect(first?.messages.length).toBeGreaterThan(0);
          expect(first?.messages.length).toBeLessThanOrEqual(2);
          expect(first?.cursor).toEqual(expect.any(String));
          const { listed } = await walk(store, 'd1', {}, 2);
          expect(listed.map((line) => line.locator)).toEqual(['a.eml', 'b.eml', 'c.eml', 'd.eml', 'e.eml']);
          const all = await store.listMessages('d1', { limit: 5 });
          expect(all?.messages).toHaveLength(5);
        });

        it('rejects a cursor it did not give out', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.putEntries('d1', [messageEntry('a.eml'), messageEntry('b.eml')]);
          const encoded = ['hello', '42', '{}', '[]'].map((text) => Buffer.from(text).toString('base64url'));
          const foreign = ['not a cursor', ...encoded];
          for (const cursor of foreign) {
            await expect(store.listMessages('d1', { limit: 1, cursor }), cursor).rejects.toBeInstanceOf(BadCursorError);
          }
        });

      });

      describe('documents', () => {
        it('counts documents beside messages, skipped entries and errors: processed is their sum', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.putEntries('d1', [
            messageEntry('a.eml'),
            documentEntry('report.pdf', 'report'),
            documentEntry('b/sheet.xlsx', 'sheet', { detectedType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }),
            skippedEntry('b/.DS_Store', 'macOS metadata (.DS_Store)'),
            errorEntry('bad.eml'),
          ]);
          const [listed] = await store.listDumps();
          expect(listed).toMatchObject({ messages: 1, documents: 2, skipped: 1, errors: 1, processed: 5 });
          expect([null, 5]).toContain(listed!.located);
          const summary = await store.summary('d1');
          expect(summary).toMatchObject({ messages: 1, documents: 2, skipped: 1, errors: 1, byProvenance: {} });
          expect(summary?.dump).toEqual(listed);
          // Documents are neither messages to list nor records of the message export.
          expect((await store.listMessages('d1', { limit: 10 }))?.messages.map((line) => line.locator)).toEqual(['a.eml', 'bad.eml']);
          expect((await collect(store.exportRecords('d1'))).map((record) => record.locator)).toEqual(['a.eml', 'bad.eml']);
        });

        it('has no documents and no provenance counts for a dump of messages only', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.putEntries('d1', [messageEntry('a.eml')]);
          expect(await store.summary('d1')).toMatchObject({ documents: 0, byProvenance: {} });
          expect((await store.listDumps())[0]).toMatchObject({ documents: 0, processed: 1 });
          expect(await store.listDocuments('d1', { limit: 10 })).toEqual({ documents: [], cursor: null });
          expect(await collect(store.documentLocators('d1'))).toEqual([]);
        });

        it('gives back a document, and a message with its attachments, as stored', async () => {
          await store.openDump(dumpInput('d1'), T0);
          const metadata = { ...fileMetadata({ author: 'Alice Martin', created: '2017-04-01T09:00:00Z' }), parts: [{ name: 'xl/workbook.xml', size: 812, sha256: 'cd'.repeat(32) }], note: 'parts capped at 1' };
          const document = documentEntry('leak/Comptes 2017.xlsx', 'sheet', { metadata, detail: 'larger than 64 MiB: metadata not read', detectedType: null });
          const message = messageEntry('inbox.mbox', {
            offset: 2048,
            signedBy: ['example.com'],
            attachments: [attachmentRecord('Comptes 2017.xlsx', 'sheet', { metadata, mimePath: '1.2' }), attachmentRecord(null, 'logo', { disposition: 'inline', coveredBy: [] })],
            attachmentsNote: 'more than 100 parts: the rest not inventoried',
          });
          await store.putEntries('d1', [document, message]);
          expect(await store.getEntry('d1', 'leak/Comptes 2017.xlsx')).toEqual(document);
          expect(await store.getEntry('d1', 'inbox.mbox#2048')).toEqual(message);
        });

        it('lists a dump\'s documents in locator order, by provenance, type and name, a page at a time', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.openDump(dumpInput('d2'), T0);
          const pdf = 'application/pdf';
          const documents = [
            documentEntry('z/Report.PDF', 'r1'),
            documentEntry('a/report.pdf', 'r2'),
            documentEntry('a/old-report.pdf', 'r3'),
            documentEntry('😀/photo.jpg', 'p', { detectedType: 'image/jpeg' }),
            documentEntry('ü/notes.txt', 'n', { detectedType: null }),
            documentEntry('m/nameless', 'x', { name: null, detectedType: null }),
            ...Array.from({ length: 12 }, (_, i) => documentEntry(`many/${String(i).padStart(2, '0')}.pdf`, `many ${i}`)),
          ];
          await store.putEntries('d1', [...documents, messageEntry('a/mail.eml')]);
          await store.putEntries('d2', [documentEntry('a/report.pdf', 'r2')]);
          await store.setProvenance('d1', 'a/report.pdf', provenanceEvidence('proven'));
          await store.setProvenance('d1', 'z/Report.PDF', provenanceEvidence('altered-copy'));
          const lineOf = (document: (typeof documents)[number]): DocumentListing => ({
            locator: locatorKey(document.locator),
            name: document.name,
            size: document.size,
            sha256: document.sha256,
            detectedType: document.detectedType,
            provenance: document.locator.path === 'a/report.pdf' ? 'proven' : document.locator.path === 'z/Report.PDF' ? 'altered-copy' : null,
          });
          const expected = (keep: (line: DocumentListing) => boolean) => documents.map(lineOf).filter(keep).sort((a, b) => byteOrder(a.locator, b.locator));
          expect(await walkDocuments(store, 'd1', {}, 5)).toEqual(expected(() => true));
          expect(await walkDocuments(store, 'd1', {}, 100)).toEqual(expected(() => true));
          expect(await walkDocuments(store, 'd1', { type: pdf }, 4)).toEqual(expected((line) => line.detectedType === pdf));
          expect(await walkDocuments(store, 'd1', { type: 'unknown' }, 1)).toEqual(expected((line) => line.detectedType === null));
          expect(await walkDocuments(store, 'd1', { name: 'REPORT.pdf' }, 1)).toEqual(expected((line) => line.name?.toLowerCase() === 'report.pdf'));
          expect(await walkDocuments(store, 'd1', { provenance: 'proven' }, 10)).toEqual(expected((line) => line.provenance === 'proven'));
          expect(await walkDocuments(store, 'd1', { provenance: 'proven', name: 'report.pdf', type: pdf }, 10)).toEqual(expected((line) => line.provenance === 'proven'));
          expect(await walkDocuments(store, 'd1', { provenance: 'unproven' }, 10)).toEqual([]);
          expect(await walkDocuments(store, 'd1', { name: 'report.pdf', type: 'image/jpeg' }, 10)).toEqual([]);
          expect(await store.listDocuments('nope', { limit: 10 })).toBeNull();
          for (const cursor of ['not a cursor', Buffer.from('{}').toString('base64url')]) {
            await expect(store.listDocuments('d1', { limit: 1, cursor }), cursor).rejects.toBeInstanceOf(BadCursorError);
          }
          expect((await collect(store.documentLocators('d1'))).sort(byteOrder)).toEqual(expected(() => true).map((line) => line.locator));
          expect(await collect(store.documentLocators('d2'))).toEqual(['a/report.pdf']);
        });

        it('stores a decided provenance, replacing the one before, and moves the counts by provenance', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.openDump(dumpInput('d2'), T0);
          await store.putEntries('d1', [documentEntry('x.pdf', 'x'), documentEntry('y.pdf', 'y'), documentEntry('z.pdf', 'z')]);
          await store.putEntries('d2', [documentEntry('x.pdf', 'x')]);
          const proven = provenanceEvidence('proven', {
            carriers: [{ dumpId: 'd2', locator: 'm.eml', kind: 'attachment', mimePath: '2', name: 'x.pdf', sha256: sha('x'), verdict: 'verified', reasons: [], from: 'Alice <alice@example.test>', date: '2017-05-01T10:00:00.000Z', coveredBy: ['example.com'] }],
            signals: [{ kind: 'modified-after-message', detail: 'modified 2017-05-02, the message is of 2017-05-01' }],
          });
          await store.setProvenance('d1', 'x.pdf', proven);
          await store.setProvenance('d1', 'y.pdf', provenanceEvidence('unproven'));
          expect((await store.summary('d1'))?.byProvenance).toEqual({ proven: 1, unproven: 1 });
          expect(await store.getEntry('d1', 'x.pdf')).toEqual({ ...documentEntry('x.pdf', 'x'), provenance: proven });
          // Decided again: the counts move, and deciding the same again changes nothing.
          const altered = provenanceEvidence('altered-copy', { differences: [{ field: 'author', document: 'Mallory', carrier: 'Alice' }] });
          await store.setProvenance('d1', 'x.pdf', altered);
          await store.setProvenance('d1', 'y.pdf', provenanceEvidence('unproven'));
          await store.setProvenance('d1', 'y.pdf', provenanceEvidence('unproven'));
          const summary = await store.summary('d1');
          expect(summary?.byProvenance).toEqual({ 'altered-copy': 1, unproven: 1 });
          expect(summary?.documents).toBe(3);
          expect((await store.getEntry('d1', 'x.pdf')) as unknown).toMatchObject({ provenance: altered });
          // One dump's provenance is its own.
          expect((await store.summary('d2'))?.byProvenance).toEqual({});
          expect((await store.listDocuments('d1', { limit: 10, provenance: 'altered-copy' }))?.documents.map((line) => line.locator)).toEqual(['x.pdf']);
        });

        it('finds every place of a file\'s bytes across dumps, with what the carrying messages say', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.openDump(dumpInput('d2'), T1);
          const content = 'the accounts';
          const identity = { metadata: fileMetadata({ documentId: 'uuid:5f1c', author: 'Alice Martin' }, 'pdf') };
          await store.putEntries('d1', [documentEntry('loose/accounts.pdf', content, identity), documentEntry('other.pdf', 'other bytes')]);
          const verified = messageEntry('m.eml', {
            signatures: [signature('Example.COM', { index: 0 }), signature('relay.example', { index: 1 })],
            attachments: [attachmentRecord('Accounts.PDF', content, { coveredBy: [0, 1], ...identity }), attachmentRecord('logo.png', 'logo', { mimePath: '3' })],
          });
          const failed = messageEntry('inbox.mbox', {
            offset: 300,
            verdict: 'failed',
            reasons: ['body-hash-mismatch'],
            date: null,
            attachments: [attachmentRecord('accounts (2).pdf', content, { mimePath: '1.2', coveredBy: [] })],
          });
          const renamed = messageEntry('n.eml', { attachments: [attachmentRecord('accounts.pdf', 'altered accounts', identity)] });
          await store.putEntries('d2', [verified, failed, renamed]);
          const place = (message: MessageRecord, mimePath: string, name: string, sha256: string, coveredBy: string[]): FilePlace => ({
            dumpId: 'd2',
            locator: locatorKey(message.locator),
            kind: 'attachment',
            mimePath,
            name,
            sha256,
            verdict: message.verdict,
            reasons: message.reasons,
            from: message.from,
            date: message.date,
            coveredBy,
          });
          const loose: FilePlace = { dumpId: 'd1', locator: 'loose/accounts.pdf', kind: 'document', mimePath: null, name: 'accounts.pdf', sha256: sha(content), verdict: null, reasons: [], from: null, date: null, coveredBy: [] };
          expect(placesInOrder(await collect(store.filePlaces({ sha256: sha(content) })))).toEqual([
            loose,
            place(failed, '1.2', 'accounts (2).pdf', sha(content), []),
            place(verified, '2', 'Accounts.PDF', sha(content), ['example.com', 'relay.example']),
          ]);
          // By name and by document identity: attachments only, whatever the case the name is written in.
          expect(placesInOrder(await collect(store.filePlaces({ name: 'accounts.pdf' })))).toEqual([
            place(verified, '2', 'Accounts.PDF', sha(content), ['example.com', 'relay.example']),
            place(renamed, '2', 'accounts.pdf', sha('altered accounts'), []),
          ]);
          expect(placesInOrder(await collect(store.filePlaces({ documentId: 'uuid:5f1c' })))).toEqual([
            place(verified, '2', 'Accounts.PDF', sha(content), ['example.com', 'relay.example']),
            place(renamed, '2', 'accounts.pdf', sha('altered accounts'), []),
          ]);
          expect(await collect(store.filePlaces({ sha256: sha('nothing') }))).toEqual([]);
          expect(await collect(store.filePlaces({ name: 'nothing.pdf' }))).toEqual([]);
        });

        it('finds the copies of a message across dumps by its identity, with each one\'s verdict', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.openDump(dumpInput('d2'), T1);
          const original = messageEntry('a.eml');
          const copy = { ...messageEntry('copy.eml', { verdict: 'failed', reasons: ['body-hash-mismatch'] }), messageId: original.messageId };
          const anonymous = { ...messageEntry('b.eml', { subject: 'no id' }), messageId: null };
          await store.putEntries('d1', [original, anonymous, messageEntry('other.eml'), documentEntry('a.pdf', 'a')]);
          await store.putEntries('d2', [copy, { ...anonymous, locator: { path: 'b2.eml' } }]);
          const copies = async (message: MessageRecord) =>
            (await collect(store.messagesWithIdentity(messageIdentityOf(message)!))).sort((a, b) => byteOrder(`${a.dumpId} ${a.locator}`, `${b.dumpId} ${b.locator}`));
          expect(await copies(original)).toEqual([
            { dumpId: 'd1', locator: 'a.eml', verdict: 'verified' },
            { dumpId: 'd2', locator: 'copy.eml', verdict: 'failed' },
          ]);
          // Without a Message-ID, by From, Date and Subject.
          expect(await copies(anonymous)).toEqual([
            { dumpId: 'd1', locator: 'b.eml', verdict: 'verified' },
            { dumpId: 'd2', locator: 'b2.eml', verdict: 'verified' },
          ]);
          expect(await collect(store.messagesWithIdentity('id:<nobody@example.test>'))).toEqual([]);
        });

        it('answers with the verdicts re-verification stored, for file places and copies alike', async () => {
          await store.openDump(dumpInput('d1'), T0);
          const message = messageEntry('m.eml', { signedBy: ['example.com'], attachments: [attachmentRecord('a.pdf', 'a')] });
          await store.putEntries('d1', [message]);
          const reverified: MessageRecord = { ...message, verdict: 'partially-verified', reasons: ['key-compromised'], history: [history('verified', [])] };
          await store.replaceMessages('d1', [reverified], 'batch-1');
          expect(await collect(store.filePlaces({ sha256: sha('a') }))).toEqual([
            expect.objectContaining({ locator: 'm.eml', verdict: 'partially-verified', reasons: ['key-compromised'], coveredBy: ['example.com'] }),
          ]);
          expect(await collect(store.messagesWithIdentity(messageIdentityOf(message)!))).toEqual([{ dumpId: 'd1', locator: 'm.eml', verdict: 'partially-verified' }]);
          expect(await store.getEntry('d1', 'm.eml')).toEqual(reverified);
        });

        it('names the authors on the attachments of verified messages from one organisation, each once', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.openDump(dumpInput('d2'), T1);
          const authored = (author: string, lastModifiedBy?: string) =>
            attachmentRecord('a.docx', `${author} ${lastModifiedBy ?? ''}`, { metadata: fileMetadata({ author, ...(lastModifiedBy ? { lastModifiedBy } : {}) }) });
          await store.putEntries('d1', [
            messageEntry('1.eml', { sender: 'alice@mail.big.example', attachments: [authored('Alice Martin', 'Bob Durand')] }),
            messageEntry('2.eml', { sender: 'carol@big.example', attachments: [authored('Alice Martin'), attachmentRecord('plain.pdf', 'p')] }),
            messageEntry('3.eml', { sender: 'mallory@big.example', verdict: 'failed', reasons: ['body-hash-mismatch'], attachments: [authored('Mallory')] }),
            messageEntry('4.eml', { sender: 'eve@other.example', attachments: [authored('Eve')] }),
          ]);
          await store.putEntries('d2', [messageEntry('5.eml', { sender: 'dan@big.example', attachments: [authored('Dan')] })]);
          expect((await store.verifiedAuthors('big.example')).sort()).toEqual(['Alice Martin', 'Bob Durand', 'Dan']);
          expect(await store.verifiedAuthors('other.example')).toEqual(['Eve']);
          expect(await store.verifiedAuthors('nobody.example')).toEqual([]);
        });
      });

      describe('getEntry', () => {
        it('gives back each kind of entry as stored, with evidence and history', async () => {
          await store.openDump(dumpInput('d1'), T0);
          const message = messageEntry('inbox.mbox', {
            offset: 5120,
            verdict: 'partially-verified',
            reasons: ['key-compromised'],
            signatures: [signature('example.com', { key: keyEvidence({ compromisedAt: '2024-01-01T00:00:00.000Z' }) })],
            history: [history('verified', [])],
          });
          const skipped = skippedEntry('logo.png');
          const error = errorEntry('bad.eml', 'zip entry truncated', 'ab'.repeat(32));
          await store.putEntries('d1', [message, skipped, error]);
          expect(await store.getEntry('d1', 'inbox.mbox#5120')).toEqual(message);
          expect(await store.getEntry('d1', 'logo.png')).toEqual(skipped);
          expect(await store.getEntry('d1', 'bad.eml')).toEqual(error);
          expect(await store.getEntry('d1', 'inbox.mbox')).toBeNull();
          expect(await store.getEntry('nope', 'logo.png')).toBeNull();
        });
      });

      describe('listSkipped', () => {
        it("lists a dump's skipped files in locator order, at most `limit`, with why; none of another dump's, nor any other kind", async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.openDump(dumpInput('d2'), T0);
          const entries: EntryRecord[] = [];
          for (let i = 0; i < 60; i++) entries.push(messageEntry(`m/${String(i).padStart(2, '0')}.eml`));
          for (let i = 29; i >= 0; i--) entries.push(skippedEntry(`s/${String(i).padStart(2, '0')}.png`, `not a message (image/png ${i})`));
          entries.push(errorEntry('s/00.eml'), documentEntry('s/00.pdf', 'pdf'));
          await store.putEntries('d1', entries);
          await store.putEntries('d2', [skippedEntry('a/other.png')]);
          const wanted = Array.from({ length: 30 }, (_, i) => ({ locator: `s/${String(i).padStart(2, '0')}.png`, reason: `not a message (image/png ${i})` }));
          expect(await store.listSkipped('d1', 100)).toEqual(wanted);
          expect(await store.listSkipped('d1', 20)).toEqual(wanted.slice(0, 20));
          expect(await store.listSkipped('d1', 0)).toEqual([]);
          expect(await store.listSkipped('d2', 20)).toEqual([{ locator: 'a/other.png', reason: 'not a message (image/png)' }]);
          expect(await store.listSkipped('nope', 20)).toEqual([]);
        });
      });

      describe('re-verification selection', () => {
        const sig = (d: string | null, s: string | null, index: number, overrides: Parameters<typeof signature>[1] = {}) =>
          signature(d, { s, index, ...overrides });

        it('names every (domain, selector) that signed a stored message once, lower-cased', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.openDump(dumpInput('d2'), T1);
          await store.putEntries('d1', [
            messageEntry('a.eml', { signatures: [sig('Example.COM', 'Sel1', 0), sig('relay.example', 'r', 1)] }),
            messageEntry('b.eml', { signatures: [sig('example.com', 'sel1', 0), sig(null, 'orphan', 1), sig('nosel.example', null, 2)] }),
            skippedEntry('c.png'),
          ]);
          await store.putEntries('d2', [messageEntry('a.eml', { signatures: [sig('example.com', 'sel2', 0)] })]);
          const seen = (await collect(store.seenSelectors())).sort((a, b) => byteOrder(`${a.domain} ${a.selector}`, `${b.domain} ${b.selector}`));
          expect(seen).toEqual([
            { domain: 'example.com', selector: 'sel1' },
            { domain: 'example.com', selector: 'sel2' },
            { domain: 'relay.example', selector: 'r' },
          ]);
        });

        it('finds every signature by a selector across dumps, with what its message and key said', async () => {
          await store.openDump(dumpInput('d1'), T0);
          await store.openDump(dumpInput('d2'), T1);
          const compromised = keyEvidence({ record: 'v=DKIM1; p=old', compromisedAt: '2024-01-01T00:00:00.000Z' });
          await store.putEntries('d1', [
            messageEntry('a.eml', {
              verdict: 'partially-verified',
              reasons: ['key-compromised'],
              signatures: [sig('Example.com', 'SEL1', 0, { key: compromised })],
            }),
            messageEntry('b.eml', {
              verdict: 'failed',
              reasons: ['body-hash-mismatch'],
              rulesVersion: 0,
              signatures: [
                sig('example.com', 'sel1', 0, { status: 'body-hash-mismatch' }),
                sig('example.com', 'sel1', 1, { status: 'key-unavailable', key: null }),
              ],
            }),
            messageEntry('c.eml', { signatures: [sig('example.com', 'sel2', 0)] }),
          ]);
          await store.putEntries('d2', [messageEntry('z.eml', { signatures: [sig('example.com', 'sel1', 0)] })]);
          const uses = (await collect(store.selectorUses('example.com', 'sel1'))).sort(
            (a, b) => byteOrder(`${a.dumpId} ${a.locator} ${a.status}`, `${b.dumpId} ${b.locator} ${b.status}`),
          );
          const use = (dumpId: string, locator: string, rest: Partial<SelectorUse>): SelectorUse => ({
            dumpId,
            locator,
            verdict: 'verified',
            rulesVersion: 1,
            status: 'pass',
            keyRecord: 'v=DKIM1; k=rsa; p=MIIB',
            keyCompromisedAt: null,
            ...rest,
          });
          expect(uses).toEqual([
            use('d1', 'a.eml', { verdict: 'partially-verified', keyRecord: 'v=DKIM1; p=old', keyCompromisedAt: '2024-01-01T00:00:00.000Z' }),
            use('d1', 'b.eml', { verdict: 'failed', rulesVersion: 0, status: 'body-hash-mismatch' }),
            use('d1', 'b.eml', { verdict: 'failed', rulesVersion: 0, status: 'key-unavailable', keyRecord: null }),
            use('d2', 'z.eml', {}),
          ]);
          expect(await collect(store.selectorUses('example.com', 'nothing'))).toEqual([]);

          // One dump's uses only, also when another dump's id starts with its id.
          await store.openDump(dumpInput('d10'), T1);
          await store.putEntries('d10', [messageEntry('y.eml', { signatures: [sig('example.com', 'sel1', 0)] })]);
          const inDump = async (dumpId: string) => (await collect(store.selectorUses('example.com', 'sel1', dumpId))).map((u) => `${u.dumpId} ${u.locator}`).sort(byteOrder);
          expect(await inDump('d1')).toEqual(['d1 a.eml', 'd1 b.eml', 'd1 b.eml']);
          expect(await inDump('d10')).toEqual(['d10 y.eml']);
          expect(await inDump('d3')).toEqual([]);
        });

        it('finds the dumps and messages verified by older rules', async () => {
          for (const [id, at] of [['a', T0], ['b', T1], ['c', T2]] as const) await store.openDump(dumpInput(id), at);
          await store.putEntries('a', [
            messageEntry('1.eml', { rulesVersion: 1 }),
            messageEntry('2.eml', { rulesVersion: 2 }),
            messageEntry('inbox.mbox', { offset: 0, rulesVersion: 1 }),
            skippedEntry('3.png'),
            errorEntry('4.eml'),
          ]);
          await store.putEntries('b', [messageEntry('1.eml', { rulesVersion: 2 })]);
          await store.putEntries('c', [skippedEntry('1.png'), errorEntry('2.eml')]);
          expect(await store.dumpsBeforeRules(1)).toEqual([]);
          expect(await store.dumpsBeforeRules(2)).toEqual(['a']);
          expect((await store.dumpsBeforeRules(3)).sort()).toEqual(['a', 'b']);
          expect((await collect(store.messagesBeforeRules('a', 2))).sort()).toEqual(['1.eml', 'inbox.mbox#0']);
          expect((await collect(store.messagesBeforeRules('a', 3))).sort()).toEqual(['1.eml', '2.eml', 'inbox.mbox#0']);
          expect(await collect(store.messagesBeforeRules('b', 2))).toEqual([]);
          expect(await collect(store.messagesBeforeRules('nope', 9))).toEqual([]);
        });

        it('walks many old messages whole', async () => {
          await store.openDump(dumpInput('a'), T0);
          const old = Array.from({ length: 1_200 }, (_, i) => messageEntry('inbox.mbox', { offset: i * 100, rulesVersion: 1 }));
          await putInBatches(store, 'a', old);
          const keys = await collect(store.messagesBeforeRules('a', 2));
          expect(keys.length).toBe(1_200);
          expect(new Set(keys).size).toBe(1_200);
        });
      });

      describe('replaceMessages', () => {
        const before = {
          m1: messageEntry('m1.eml', { date: '2023-01-05T00:00:00.000Z', signatures: [signature('example.com', { s: 'sel1' })] }),
          m2: messageEntry('m2.eml', {
            date: '2023-01-06T00:00:00.000Z',
            verdict: 'unverified',
            reasons: ['key-unavailable'],
            signatures: [signature('example.com', { s: 'sel1', status: 'key-unavailable', key: null })],
          }),
          m3: messageEntry('m3.eml', { date: '2023-02-01T00:00:00.000Z', verdict: 'failed', reasons: ['body-hash-mismatch'], rulesVersion: 0 }),
          m4: messageEntry('m4.eml', { date: null, signedBy: ['other.example'] }),
        };
        const compromisedAt = '2022-06-01T00:00:00.000Z';
        const after: MessageRecord[] = [
          {
            ...before.m1,
            verdict: 'partially-verified',
            reasons: ['key-compromised'],
            signatures: [signature('example.com', { s: 'sel1', key: keyEvidence({ compromisedAt }) })],
            verifiedAt: '2025-06-01T00:00:00.000Z',
            history: [history('verified', [])],
          },
          {
            ...before.m2,
            verdict: 'verified',
            reasons: [],
            signatures: [signature('example.com', { s: 'sel1' })],
            verifiedAt: '2025-06-01T00:00:00.000Z',
            history: [{ ...history('unverified', ['key-unavailable']), cause: 'new-key' }],
          },
          { ...before.m3, rulesVersion: 2, history: [{ ...history('failed', ['body-hash-mismatch']), rulesVersion: 0, cause: 'rules-change' }] },
        ];

        async function storeBefore(): Promise<void> {
          await store.openDump(dumpInput('d1'), T0);
          await store.putEntries('d1', [...Object.values(before), skippedEntry('x.png'), errorEntry('y.eml')]);
        }

        it('moves every count the summary shows from the old verdicts to the new', async () => {
          await storeBefore();
          const old = await store.summary('d1');
          expect(old).toMatchObject({
            byVerdict: { verified: 2, unverified: 1, failed: 1 },
            byReason: { 'key-unavailable': 1, 'body-hash-mismatch': 1 },
            months: [
              { month: '2023-01', byVerdict: { verified: 1, unverified: 1 } },
              { month: '2023-02', byVerdict: { failed: 1 } },
            ],
          });
          await store.replaceMessages('d1', after, 'batch-1');
          const summary = await store.summary('d1');
          expect(summary).toMatchObject({
            messages: 4,
            skipped: 1,
            errors: 1,
            undated: 1,
            byVerdict: { 'partially-verified': 1, verified: 2, failed: 1 },
            byReason: { 'key-compromised': 1, 'body-hash-mismatch': 1 },
            signingDomains: old!.signingDomains,
            senderDomains: old!.senderDomains,
            months: [
              { month: '2023-01', byVerdict: { 'partially-verified': 1, verified: 1 } },
              { month: '2023-02', byVerdict: { failed: 1 } },
            ],
          });
          expect(summary?.byVerdict).toEqual({ 'partially-verified': 1, verified: 2, failed: 1 });
          expect(summary?.byReason).toEqual({ 'key-compromised': 1, 'body-hash-mismatch': 1 });
          expect(summary?.dump).toMatchObject({ messages: 4, skipped: 1, errors: 1, processed: 6 });
        });

        it('lists and selects by the new verdicts, and keeps the history', async () => {
          await storeBefore();
          await store.replaceMessages('d1', after, 'batch-1');
          expect(await store.getEntry('d1', 'm1.eml')).toEqual(after[0]);
          const unverified = await store.listMessages('d1', { verdict: 'unverified', limit: 10 });
          expect(unverified?.messages).toEqual([]);
          const compromised = await store.listMessages('d1', { reason: 'key-compromised', limit: 10 });
          expect(compromised?.messages.map((line) => line.locator)).toEqual(['m1.eml']);
          const uses = (await collect(store.selectorUses('example.com', 'sel1'))).sort((a, b) => byteOrder(a.locator, b.locator));
          expect(uses.map((use) => [use.locator, use.verdict, use.status, use.keyCompromisedAt])).toEqual([
            ['m1.eml', 'partially-verified', 'pass', compromisedAt],
            ['m2.eml', 'verified', 'pass', null],
          ]);
          expect(await collect(store.messagesBeforeRules('d1', 1))).toEqual([]);
          expect(await store.dumpsBeforeRules(1)).toEqual([]);
          expect((await collect(store.messagesBeforeRules('d1', 2))).sort()).toEqual(['m1.eml', 'm2.eml', 'm4.eml']);
        });

        it('changes nothing when a batch is applied again, or a record equals the stored one', async () => {
          await storeBefore();
          await store.replaceMessages('d1', after, 'batch-1');
          const once = await store.summary('d1');
          const listing = await walk(store, 'd1', {}, 3);
          await store.replaceMessages('d1', after, 'batch-1');
          expect(await store.summary('d1')).toEqual(once);
          await store.replaceMessages('d1', [after[0]!, before.m4], 'batch-2');
          expect(await store.summary('d1')).toEqual(once);
          expect(await walk(store, 'd1', {}, 3)).toEqual(listing);
          expect(await store.getEntry('d1', 'm1.eml')).toEqual(after[0]);
        });
      });
    });
  });
}
