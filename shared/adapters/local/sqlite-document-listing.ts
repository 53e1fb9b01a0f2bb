/**
 * A dump's documents: pages in locator order, filtered by provenance, detected type and name, each page read off
 * one partial index of the documents (the first filter given picks it; the others are checked on the rows it
 * reaches), with the same cursor as the message listing.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { Provenance } from '../../documents/contract.ts';
import { cursorAfter, locatorAfterCursor } from '../../pipeline/message-listing.ts';
import type { DocumentListing, DocumentPage, DocumentQuery } from '../../ports/verdict-store.ts';
import { nameKey } from './sqlite-entry-rows.ts';

/** Keys documentLocators reads at once. */
const LOCATORS_PER_READ = 1000;

/** What DocumentQuery.type names a document whose type is not known by. */
const UNKNOWN_TYPE = 'unknown';

export function documentPageQuery(dumpId: string, query: DocumentQuery, afterLocator: string | null, take: number): { sql: string; params: Record<string, SQLInputValue> } {
  const params: Record<string, SQLInputValue> = { dump: dumpId, take };
  const where = ['e.dump_id = $dump', "e.kind = 'document'"];
  const index =
    query.provenance !== undefined
      ? 'entries_documents_by_provenance'
      : query.type !== undefined
        ? 'entries_documents_by_type'
        : query.name !== undefined
          ? 'entries_documents_by_name'
          : 'entries_documents';
  if (query.provenance !== undefined) {
    where.push('e.provenance_value = $provenance');
    params.provenance = query.provenance;
  }
  if (query.type === UNKNOWN_TYPE) where.push('e.detected_type IS NULL');
  else if (query.type !== undefined) {
    where.push('e.detected_type = $type');
    params.type = query.type;
  }
  if (query.name !== undefined) {
    where.push('e.name_key = $name');
    params.name = nameKey(query.name);
  }
  if (afterLocator !== null) {
    where.push('e.locator_key > $cursor');
    params.cursor = afterLocator;
  }
  const sql = `
    SELECT e.locator_key, e.name, e.size, e.sha256, e.detected_type, e.provenance_value FROM entries AS e INDEXED BY ${index}
    WHERE ${where.join(' AND ')} ORDER BY e.locator_key LIMIT $take`;
  return { sql, params };
}

export class SqliteDocumentListing {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly #locators: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#locators = db.prepare(`
      SELECT locator_key FROM entries INDEXED BY entries_documents
      WHERE dump_id = ? AND kind = 'document' AND locator_key > ? ORDER BY locator_key LIMIT ${LOCATORS_PER_READ}`);
  }

  /** A page of an existing dump's documents (the caller checks the dump exists). */
  page(dumpId: string, query: DocumentQuery): DocumentPage {
    const after = query.cursor === undefined ? null : locatorAfterCursor(query.cursor);
    // One more than asked for tells whether another page follows.
    const planned = documentPageQuery(dumpId, query, after, query.limit + 1);
    const rows = this.#statement(planned.sql).all(planned.params);
    const documents: DocumentListing[] = rows.slice(0, query.limit).map((row) => ({
      locator: row.locator_key as string,
      name: row.name as string | null,
      size: row.size as number,
      sha256: row.sha256 as string,
      detectedType: row.detected_type as string | null,
      provenance: row.provenance_value as Provenance | null,
    }));
    return { documents, cursor: rows.length > query.limit ? cursorAfter(documents.at(-1)!.locator) : null };
  }

  /**
   * Locator keys of a dump's documents, in locator order, a bounded read at a time: no statement stays open
   * between reads, so the walker may write (setProvenance) as it goes, and two walks never share a cursor.
   */
  *locators(dumpId: string): Generator<string> {
    for (let after = ''; ; ) {
      const keys = this.#locators.all(dumpId, after).map((row) => row.locator_key as string);
      yield* keys;
      if (keys.length < LOCATORS_PER_READ) return;
      after = keys.at(-1)!;
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }
}
