import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { locatorKey } from '../../dump/entry.ts';
import type { FilePlace, ProvenanceEvidence } from '../../documents/contract.ts';
import type {
  DocumentPage,
  DocumentQuery,
  DumpOverview,
  DumpRecord,
  DumpStatus,
  DumpSummary,
  EntryRecord,
  ExportRecord,
  FileKey,
  MessagePage,
  MessageQuery,
  MessageRecord,
  SelectorUse,
  VerdictStore,
} from '../../ports/verdict-store.ts';
import type { Verdict } from '../../verdict/contract.ts';
import { signingDomains } from '../../verdict/signing-domains.ts';
import { inWriteTransaction } from './sqlite-database.ts';
import { SqliteDocumentListing } from './sqlite-document-listing.ts';
import { SqliteDumpCounts } from './sqlite-dump-counts.ts';
import {
  ENTRY_COLUMNS,
  SIGNATURE_COLUMNS,
  dumpFromRow,
  entryFromRow,
  entryRowValues,
  exportRecordFromRow,
  signatureRowValues,
  type DumpRow,
  type EntryRow,
} from './sqlite-entry-rows.ts';
import { SqliteFilePostings } from './sqlite-file-postings.ts';
import { SqliteMessageListing } from './sqlite-message-listing.ts';
import { SqliteReverifySelection } from './sqlite-reverify-selection.ts';
import { SqliteSearchIndex } from './sqlite-search-index.ts';

const UPSERT_ENTRY_SQL = `
  INSERT INTO entries (${ENTRY_COLUMNS.join(', ')})
  VALUES (${ENTRY_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (dump_id, locator_key) DO UPDATE SET
  ${ENTRY_COLUMNS.slice(2)
    .map((column) => `${column} = excluded.${column}`)
    .join(', ')}`;

const INSERT_SIGNATURE_SQL = `
  INSERT INTO entry_signatures (dump_id, locator_key, ${SIGNATURE_COLUMNS.join(', ')})
  VALUES (?, ?, ${SIGNATURE_COLUMNS.map(() => '?').join(', ')})`;

// Primary-key order, so the export streams off the index without sorting the whole dump first.
const EXPORT_SQL = `
  SELECT ${ENTRY_COLUMNS.join(', ')} FROM entries
  WHERE dump_id = ? AND kind IN ('message', 'error')
  ORDER BY dump_id, locator_key`;

/** The verdict store on the local SQLite file (see sqlite-database.ts). Takes an open, migrated connection. */
export class SqliteVerdictStore implements VerdictStore {
  readonly #db: DatabaseSync;
  readonly #counts: SqliteDumpCounts;
  readonly #listing: SqliteMessageListing;
  readonly #selection: SqliteReverifySelection;
  readonly #documents: SqliteDocumentListing;
  readonly #files: SqliteFilePostings;
  readonly #search: SqliteSearchIndex;
  // Prepared once: ingest calls these for every entry.
  readonly #insertDump: StatementSync;
  readonly #reopenDump: StatementSync;
  readonly #selectDump: StatementSync;
  readonly #newestDump: StatementSync;
  readonly #listDumps: StatementSync;
  readonly #updateStatus: StatementSync;
  readonly #markFailed: StatementSync;
  readonly #selectLocatorKeys: StatementSync;
  readonly #selectSkipped: StatementSync;
  readonly #selectEntry: StatementSync;
  readonly #upsertEntry: StatementSync;
  readonly #deleteSigningDomains: StatementSync;
  readonly #insertSigningDomain: StatementSync;
  readonly #deleteSignatures: StatementSync;
  readonly #insertSignature: StatementSync;
  readonly #updateProvenance: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#counts = new SqliteDumpCounts(db);
    this.#listing = new SqliteMessageListing(db);
    this.#selection = new SqliteReverifySelection(db);
    this.#documents = new SqliteDocumentListing(db);
    this.#files = new SqliteFilePostings(db);
    this.#search = new SqliteSearchIndex(db);
    this.#insertDump = db.prepare(`
      INSERT INTO dumps (id, name, source, bytes, status, started_at, finished_at)
      VALUES (?, ?, ?, ?, 'processing', ?, NULL)
      ON CONFLICT (id) DO NOTHING`);
    this.#reopenDump = db.prepare(`
      UPDATE dumps SET status = 'processing', finished_at = NULL, failure = NULL WHERE id = ? AND status <> 'complete'`);
    this.#selectDump = db.prepare('SELECT * FROM dumps WHERE id = ?');
    // rowid breaks ties between dumps started in the same millisecond: the later insert is the newer dump.
    this.#newestDump = db.prepare('SELECT * FROM dumps ORDER BY started_at DESC, rowid DESC LIMIT 1');
    this.#listDumps = db.prepare('SELECT * FROM dumps ORDER BY started_at DESC, rowid DESC');
    this.#updateStatus = db.prepare('UPDATE dumps SET status = ?, finished_at = ?, failure = NULL WHERE id = ?');
    this.#markFailed = db.prepare(`
      UPDATE dumps SET status = 'failed', failure = ?, finished_at = ? WHERE id = ? AND status NOT IN ('complete', 'failed')`);
    this.#selectLocatorKeys = db.prepare('SELECT locator_key FROM entries WHERE dump_id = ?');
    // The primary key's order (dump_id, locator_key), read until LIMIT rows are skipped ones.
    this.#selectSkipped = db.prepare("SELECT locator_key, detail FROM entries WHERE dump_id = ? AND kind = 'skipped' ORDER BY locator_key LIMIT ?");
    this.#selectEntry = db.prepare(`SELECT ${ENTRY_COLUMNS.join(', ')} FROM entries WHERE dump_id = ? AND locator_key = ?`);
    this.#upsertEntry = db.prepare(UPSERT_ENTRY_SQL);
    this.#deleteSigningDomains = db.prepare('DELETE FROM entry_signing_domains WHERE dump_id = ? AND locator_key = ?');
    this.#insertSigningDomain = db.prepare(
      'INSERT OR IGNORE INTO entry_signing_domains (dump_id, locator_key, domain) VALUES (?, ?, ?)',
    );
    this.#deleteSignatures = db.prepare('DELETE FROM entry_signatures WHERE dump_id = ? AND locator_key = ?');
    this.#insertSignature = db.prepare(INSERT_SIGNATURE_SQL);
    this.#updateProvenance = db.prepare(`
      UPDATE entries SET provenance = ?, provenance_value = ? WHERE dump_id = ? AND locator_key = ? AND kind = 'document'`);
  }

  async openDump(dump: Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'>, at: Date): Promise<DumpRecord> {
    return inWriteTransaction(this.#db, () => {
      this.#insertDump.run(dump.id, dump.name, dump.source, dump.bytes, at.toISOString());
      this.#reopenDump.run(dump.id);
      return dumpFromRow(this.#selectDump.get(dump.id) as unknown as DumpRow);
    });
  }

  async setStatus(dumpId: string, status: Exclude<DumpStatus, 'failed'>, at: Date): Promise<void> {
    const finishedAt = status === 'complete' || status === 'interrupted' ? at.toISOString() : null;
    const { changes } = this.#updateStatus.run(status, finishedAt, dumpId);
    if (changes === 0) throw new Error(`no dump ${dumpId} in the local store`);
  }

  async markFailed(dumpId: string, reason: string, at: Date): Promise<boolean> {
    const { changes } = this.#markFailed.run(reason, at.toISOString(), dumpId);
    if (changes === 0 && this.#selectDump.get(dumpId) === undefined) throw new Error(`no dump ${dumpId} in the local store`);
    return changes > 0;
  }

  async storedLocators(dumpId: string): Promise<Set<string>> {
    const keys = new Set<string>();
    for (const row of this.#selectLocatorKeys.iterate(dumpId)) keys.add(row.locator_key as string);
    return keys;
  }

  async listSkipped(dumpId: string, limit: number): Promise<{ locator: string; reason: string }[]> {
    if (limit <= 0) return [];
    return this.#selectSkipped.all(dumpId, limit).map((row) => ({ locator: row.locator_key as string, reason: row.detail as string }));
  }

  async putEntries(dumpId: string, entries: EntryRecord[]): Promise<void> {
    if (entries.length === 0) return;
    this.#putAll(dumpId, entries);
  }

  /**
   * Counts here are counted from the rows, so writing the new records moves them. A batch applied again writes
   * the same rows again and changes nothing: there is no batch to remember.
   */
  async replaceMessages(dumpId: string, records: MessageRecord[], _batchId: string): Promise<void> {
    if (records.length === 0) return;
    this.#putAll(dumpId, records);
  }

  #putAll(dumpId: string, entries: readonly EntryRecord[]): void {
    inWriteTransaction(this.#db, () => {
      if (this.#selectDump.get(dumpId) === undefined) throw new Error(`no dump ${dumpId} in the local store`);
      for (const entry of entries) this.#putEntry(dumpId, entry);
    });
  }

  #putEntry(dumpId: string, entry: EntryRecord): void {
    this.#upsertEntry.run(...entryRowValues(dumpId, entry));
    // A rewritten entry replaces its postings: a message verified again may carry other signatures now.
    const key = locatorKey(entry.locator);
    this.#deleteSigningDomains.run(dumpId, key);
    this.#deleteSignatures.run(dumpId, key);
    this.#files.put(dumpId, key, entry);
    this.#search.put(dumpId, key, entry);
    if (entry.kind !== 'message') return;
    for (const domain of signingDomains(entry.signatures)) this.#insertSigningDomain.run(dumpId, key, domain);
    for (const values of signatureRowValues(entry)) this.#insertSignature.run(dumpId, key, ...values);
  }

  async listDumps(): Promise<DumpOverview[]> {
    return this.#listDumps.all().map((row) => this.#counts.overview(dumpFromRow(row as unknown as DumpRow)));
  }

  async summary(dumpId?: string): Promise<DumpSummary | null> {
    const dump = this.#findDump(dumpId);
    return dump === null ? null : this.#counts.summary(dump);
  }

  async *exportRecords(dumpId?: string): AsyncGenerator<ExportRecord> {
    const dump = this.#findDump(dumpId);
    if (dump === null) return;
    // A statement of its own: two exports iterating one shared statement would reset each other.
    const rows = this.#db.prepare(EXPORT_SQL).iterate(dump.id);
    for (const row of rows) yield exportRecordFromRow(row as unknown as EntryRow);
  }

  async listMessages(dumpId: string, query: MessageQuery): Promise<MessagePage | null> {
    if (this.#selectDump.get(dumpId) === undefined) return null;
    return this.#listing.page(dumpId, query);
  }

  async getEntry(dumpId: string, locator: string): Promise<EntryRecord | null> {
    const row = this.#selectEntry.get(dumpId, locator);
    return row === undefined ? null : entryFromRow(row as unknown as EntryRow);
  }

  async listDocuments(dumpId: string, query: DocumentQuery): Promise<DocumentPage | null> {
    if (this.#selectDump.get(dumpId) === undefined) return null;
    return this.#documents.page(dumpId, query);
  }

  async *documentLocators(dumpId: string): AsyncGenerator<string> {
    yield* this.#documents.locators(dumpId);
  }

  /** Counts by provenance are counted from the rows (provenance_value), so rewriting it moves them. */
  async setProvenance(dumpId: string, locator: string, evidence: ProvenanceEvidence): Promise<void> {
    const { changes } = this.#updateProvenance.run(JSON.stringify(evidence), evidence.provenance, dumpId, locator);
    if (changes === 0) throw new Error(`no document ${locator} in dump ${dumpId} in the local store`);
  }

  async *filePlaces(key: FileKey): AsyncGenerator<FilePlace> {
    yield* this.#files.filePlaces(key);
  }

  async *messagesWithIdentity(identity: string): AsyncGenerator<{ dumpId: string; locator: string; verdict: Verdict }> {
    yield* this.#files.messagesWithIdentity(identity);
  }

  async verifiedAuthors(organisation: string): Promise<string[]> {
    return this.#files.verifiedAuthors(organisation);
  }

  seenSelectors(): AsyncIterable<{ domain: string; selector: string }> {
    return this.#selection.seenSelectors();
  }

  selectorUses(domain: string, selector: string, dumpId?: string): AsyncIterable<SelectorUse> {
    return this.#selection.selectorUses(domain, selector, dumpId);
  }

  async dumpsBeforeRules(rulesVersion: number): Promise<string[]> {
    return this.#selection.dumpsBeforeRules(rulesVersion);
  }

  messagesBeforeRules(dumpId: string, rulesVersion: number): AsyncIterable<string> {
    return this.#selection.messagesBeforeRules(dumpId, rulesVersion);
  }

  /** The given dump, or the most recently started one. */
  #findDump(dumpId: string | undefined): DumpRecord | null {
    const row = dumpId === undefined ? this.#newestDump.get() : this.#selectDump.get(dumpId);
    return row === undefined ? null : dumpFromRow(row as unknown as DumpRow);
  }
}
