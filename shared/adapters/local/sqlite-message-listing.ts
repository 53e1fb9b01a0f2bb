import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { cursorAfter, listedVerdict, locatorAfterCursor, messageListingOf } from '../../pipeline/message-listing.ts';
import type { EntryRecord, MessagePage, MessageQuery } from '../../ports/verdict-store.ts';
import { entryFromRow, type EntryRow } from './sqlite-entry-rows.ts';

type Params = Record<string, SQLInputValue>;

/** One page's SQL and its named parameters; null when the filters cannot both hold. */
export type PageQuery = { sql: string; params: Params } | null;

/**
 * The SQL for one page of a dump's listing. A first query picks the page's locator keys off one index (the most
 * selective filter given: signing domain, sender, verdict or reason, date range; none: the primary key), with
 * the other filters applied to the rows it reaches; then only those keys' rows are read. Equality indexes yield
 * keys in locator order, so a page stops after `take` matches; a date range sorts its keys, read off the index.
 */
export function pageQuery(dumpId: string, query: MessageQuery, afterLocator: string | null, take: number): PageQuery {
  const { reason, domain, from: sender, after: since, before: until } = query;
  const verdict = listedVerdict(query);
  if (verdict === null) return null;
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
  if (domain !== undefined) {
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
  filter(`${key} > $cursor`, 'cursor', afterLocator ?? undefined);

  let keys = `SELECT ${key} AS locator_key FROM ${source} WHERE ${where.join(' AND ')}`;
  // Unreadable entries list under verdict "error" with reason "parse-error", and match no other filter. Their
  // small index is merged in locator order with the messages whose verdict is error.
  if (verdict === 'error' && [domain, sender, since, until].every((value) => value === undefined)) {
    const unreadable = `SELECT e.locator_key FROM entries AS e INDEXED BY entries_errors
      WHERE e.dump_id = $dump AND e.kind = 'error'${afterLocator === null ? '' : ' AND e.locator_key > $cursor'}`;
    keys = `${keys} UNION ALL ${unreadable}`;
  }
  const sql = `
    WITH page AS (${keys} ORDER BY locator_key LIMIT $take)
    SELECT e.* FROM page CROSS JOIN entries AS e ON e.dump_id = $dump AND e.locator_key = page.locator_key
    ORDER BY page.locator_key`;
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
    const after = query.cursor === undefined ? null : locatorAfterCursor(query.cursor);
    // One more than asked for tells whether another page follows.
    const planned = pageQuery(dumpId, query, after, query.limit + 1);
    if (planned === null) return { messages: [], cursor: null };
    const rows = this.#statement(planned.sql).all(planned.params) as unknown as EntryRow[];
    const more = rows.length > query.limit;
    const messages = rows
      .slice(0, query.limit)
      .map((row) => messageListingOf(entryFromRow(row) as Extract<EntryRecord, { kind: 'message' | 'error' }>));
    return { messages, cursor: more ? cursorAfter(messages.at(-1)!.locator) : null };
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }
}
