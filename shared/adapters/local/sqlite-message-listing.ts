import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { cursorAfter, listedVerdict, locatorAfterCursor, messageListingOf } from '../../pipeline/message-listing.ts';
import { sortedCursorAfter, sortedPositionOf, type SortKey } from '../../pipeline/sorted-listing.ts';
import type { EntryRecord, MessagePage, MessageQuery, MessageSortField } from '../../ports/verdict-store.ts';
import { searchTermsOf } from '../../search/search-words.ts';
import { entryFromRow, type EntryRow } from './sqlite-entry-rows.ts';
import { ftsQueryOf } from './sqlite-search-index.ts';

type Params = Record<string, SQLInputValue>;

/** One page's SQL and its named parameters; null when the filters cannot both hold. */
export type PageQuery = { sql: string; params: Params } | null;

/**
 * Each sort's key (sorted-listing.ts's sortKeyOf) as SQL over `e`, written as migration 5's indexes are, so a
 * sorted listing without a filter reads its index in order.
 */
const SORT_KEYS: Record<MessageSortField, string> = {
  date: "coalesce(e.date_header, '')",
  from: "coalesce(e.sender, '')",
  subject: "lower(coalesce(e.subject, ''))",
  verdict:
    "CASE coalesce(e.verdict, 'error') WHEN 'verified' THEN 0 WHEN 'partially-verified' THEN 1 WHEN 'failed' THEN 2 WHEN 'unverified' THEN 3 ELSE 4 END",
};

/** Where a page starts: after this locator in locator order, or after this (sort key, locator) in a sorted listing. */
export type PagePosition = { after: string; key?: SortKey } | null;

/**
 * The SQL for one page of a dump's listing. A first query picks the page's locator keys off one index (the most
 * selective filter given: search words, signing domain, sender, verdict or reason, date range; none: the primary
 * key, or a sort's index), with the other filters applied to the rows it reaches; then only those keys' rows are
 * read. Equality indexes yield keys in locator order, so a page stops after `take` matches; a date range, a
 * search and a sort under a filter sort the keys they select (bounded by the dump's messages, read off indexes).
 */
export function pageQuery(dumpId: string, query: MessageQuery, position: PagePosition, take: number): PageQuery {
  const { reason, domain, from: sender, after: since, before: until, sort } = query;
  const afterLocator = position?.after ?? null;
  const verdict = listedVerdict(query);
  if (verdict === null) return null;
  const terms = query.q === undefined ? undefined : searchTermsOf(query.q);
  if (terms?.length === 0) return null;
  const bySenderAddress = sender?.includes('@') === true;
  const params: Params = { dump: dumpId, take };
  const where = ['e.dump_id = $dump'];
  const filter = (condition: string, name: string, value: SQLInputValue | undefined) => {
    if (value === undefined) return;
    where.push(condition);
    params[name] = value;
  };

  let source: string;
  let key = 'e.locator_key';
  if (terms !== undefined) {
    // The FTS table first (CROSS JOIN keeps SQLite to this order), then each match's entry by its key.
    source = `(SELECT rowid AS id FROM entry_search WHERE entry_search MATCH $match) AS m
      CROSS JOIN entry_search_rows AS s ON s.id = m.id
      CROSS JOIN entries AS e ON e.dump_id = s.dump_id AND e.locator_key = s.locator_key`;
    key = 's.locator_key';
    where.push('s.dump_id = $dump');
    params.match = ftsQueryOf(terms);
    filter('EXISTS (SELECT 1 FROM entry_signing_domains AS d WHERE d.dump_id = e.dump_id AND d.locator_key = e.locator_key AND d.domain = $domain)', 'domain', domain);
  } else if (domain !== undefined) {
    source = `entry_signing_domains AS d INDEXED BY signing_domains_by_domain
      CROSS JOIN entries AS e ON e.dump_id = d.dump_id AND e.locator_key = d.locator_key`;
    key = 'd.locator_key';
    where.push('d.dump_id = $dump');
    filter('d.domain = $domain', 'domain', domain);
  } else if (sender !== undefined) {
    source = `entries AS e INDEXED BY ${bySenderAddress ? 'entries_by_sender' : 'entries_by_sender_domain'}`;
  } else if (verdict !== undefined) {
    source = 'entries AS e INDEXED BY entries_by_verdict';
  } else if (since !== undefined || until !== undefined) {
    source = 'entries AS e INDEXED BY entries_by_date';
  } else {
    source = 'entries AS e';
    where.push("e.kind IN ('message', 'error')");
  }
  filter(bySenderAddress ? 'e.sender = $sender' : 'e.sender_domain = $sender', 'sender', sender);
  filter('e.verdict = $verdict', 'verdict', verdict);
  filter('EXISTS (SELECT 1 FROM json_each(e.reasons) WHERE value = $reason)', 'reason', reason);
  filter('e.date_header >= $since', 'since', since);
  filter('e.date_header < $until', 'until', until);
  const sortKey = sort === undefined ? "''" : SORT_KEYS[sort.by];
  const direction = sort?.descending ? 'DESC' : 'ASC';
  // After the cursor: by locator, or by (sort key, locator) in the sort's direction, written so the key's bound
  // is a range on the sort's index (SQLite does not bound an index by a row value over an expression).
  const [beyond, atOrBeyond] = sort?.descending ? ['<', '<='] : ['>', '>='];
  const afterCursor = (locator: string) =>
    sort === undefined ? `${locator} > $cursor` : `${sortKey} ${atOrBeyond} $sortAfter AND (${sortKey} ${beyond} $sortAfter OR ${locator} ${beyond} $cursor)`;
  if (afterLocator !== null) {
    where.push(afterCursor(key));
    params.cursor = afterLocator;
    if (sort !== undefined) params.sortAfter = position!.key!;
  }

  let keys = `SELECT ${key} AS locator_key, ${sortKey} AS sort_key FROM ${source} WHERE ${where.join(' AND ')}`;
  // Unreadable entries list under verdict "error" with reason "parse-error", and match no other filter. Their
  // small index is merged in locator order with the messages whose verdict is error.
  if (verdict === 'error' && [domain, sender, since, until, terms].every((value) => value === undefined)) {
    const unreadable = `SELECT e.locator_key, ${sortKey} AS sort_key FROM entries AS e INDEXED BY entries_errors
      WHERE e.dump_id = $dump AND e.kind = 'error'${afterLocator === null ? '' : ` AND ${afterCursor('e.locator_key')}`}`;
    keys = `${keys} UNION ALL ${unreadable}`;
  }
  const order = sort === undefined ? 'locator_key' : `sort_key ${direction}, locator_key ${direction}`;
  const sql = `
    WITH page AS (${keys} ORDER BY ${order} LIMIT $take)
    SELECT e.*, page.sort_key AS sort_key FROM page CROSS JOIN entries AS e ON e.dump_id = $dump AND e.locator_key = page.locator_key
    ORDER BY ${order.replaceAll('sort_key', 'page.sort_key').replaceAll('locator_key', 'page.locator_key')}`;
  return { sql, params };
}

/** Pages of a dump's listing. Statements are prepared once per shape of query (which filters are given). */
export class SqliteMessageListing {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** A page of an existing dump's entries (the caller checks the dump exists). */
  page(dumpId: string, query: MessageQuery): MessagePage {
    const { cursor, sort } = query;
    const position: PagePosition =
      cursor === undefined ? null : sort === undefined ? { after: locatorAfterCursor(cursor) } : sortedPositionOf(cursor, sort);
    // One more than asked for tells whether another page follows.
    const planned = pageQuery(dumpId, query, position, query.limit + 1);
    if (planned === null) return { messages: [], cursor: null };
    const rows = this.#statement(planned.sql).all(planned.params) as unknown as (EntryRow & { sort_key: SortKey })[];
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    const messages = page.map((row) => messageListingOf(entryFromRow(row) as Extract<EntryRecord, { kind: 'message' | 'error' }>));
    if (!more) return { messages, cursor: null };
    const last = page.at(-1)!;
    return { messages, cursor: sort === undefined ? cursorAfter(last.locator_key) : sortedCursorAfter(sort, last.sort_key, last.locator_key) };
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }
}
