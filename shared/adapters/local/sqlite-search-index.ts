/**
 * The local store's search index (migration 5): each message's search words in the FTS5 table entry_search,
 * written with the entry, replaced when it is, removed when the entry stops being a message.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { EntryRecord } from '../../ports/verdict-store.ts';
import { searchWordsOf } from '../../search/search-words.ts';

export class SqliteSearchIndex {
  readonly #row: StatementSync;
  readonly #deleteWords: StatementSync;
  readonly #insertWords: StatementSync;
  readonly #deleteRow: StatementSync;

  constructor(db: DatabaseSync) {
    this.#row = db.prepare(`
      INSERT INTO entry_search_rows (dump_id, locator_key) VALUES (?, ?)
      ON CONFLICT (dump_id, locator_key) DO UPDATE SET dump_id = excluded.dump_id
      RETURNING id`);
    this.#deleteWords = db.prepare('DELETE FROM entry_search WHERE rowid = ?');
    this.#insertWords = db.prepare('INSERT INTO entry_search (rowid, words) VALUES (?, ?)');
    // Its trigger removes the words.
    this.#deleteRow = db.prepare('DELETE FROM entry_search_rows WHERE dump_id = ? AND locator_key = ?');
  }

  /** Indexes the entry stored at (dump, key), in the caller's transaction. */
  put(dumpId: string, key: string, entry: EntryRecord): void {
    if (entry.kind !== 'message') {
      this.#deleteRow.run(dumpId, key);
      return;
    }
    const { id } = this.#row.get(dumpId, key) as { id: number };
    this.#deleteWords.run(id);
    this.#insertWords.run(id, searchWordsOf(entry).join(' '));
  }
}

/** An FTS5 query for search terms (letters and digits only, see searchTermsOf): each a prefix, all required. */
export function ftsQueryOf(terms: readonly string[]): string {
  return terms.map((term) => `"${term}"*`).join(' AND ');
}
