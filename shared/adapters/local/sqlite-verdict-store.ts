import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { locatorKey } from '../../dump/entry.ts';
import type {
  DumpRecord,
  DumpStatus,
  DumpSummary,
  EntryRecord,
  ExportRecord,
  VerdictStore,
} from '../../ports/verdict-store.ts';
import type { Reason, Verdict } from '../../verdict/contract.ts';
import { signingDomains } from '../../verdict/signing-domains.ts';
import { inWriteTransaction } from './sqlite-database.ts';
import {
  ENTRY_COLUMNS,
  dumpFromRow,
  entryRowValues,
  exportRecordFromRow,
  type DumpRow,
  type ExportRow,
} from './sqlite-entry-rows.ts';

const TOP_SIGNING_DOMAINS = 10;

const UPSERT_ENTRY_SQL = `
  INSERT INTO entries (${ENTRY_COLUMNS.join(', ')})
  VALUES (${ENTRY_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (dump_id, locator_key) DO UPDATE SET
  ${ENTRY_COLUMNS.slice(2)
    .map((column) => `${column} = excluded.${column}`)
    .join(', ')}`;

// Primary-key order, so the export streams off the index without sorting the whole dump first.
const EXPORT_SQL = `
  SELECT dump_id, locator, kind, sha256, message_id, from_header, date_header, subject, verdict, reasons,
         detail, verified_at, received_at, signatures
  FROM entries
  WHERE dump_id = ? AND kind <> 'skipped'
  ORDER BY dump_id, locator_key`;

/** The verdict store on the local SQLite file (see sqlite-database.ts). Takes an open, migrated connection. */
export class SqliteVerdictStore implements VerdictStore {
  readonly #db: DatabaseSync;
  // Prepared once: ingest calls these for every entry.
  readonly #insertDump: StatementSync;
  readonly #reopenDump: StatementSync;
  readonly #selectDump: StatementSync;
  readonly #newestDump: StatementSync;
  readonly #listDumps: StatementSync;
  readonly #updateStatus: StatementSync;
  readonly #selectLocatorKeys: StatementSync;
  readonly #upsertEntry: StatementSync;
  readonly #deleteSigningDomains: StatementSync;
  readonly #insertSigningDomain: StatementSync;
  readonly #countByVerdict: StatementSync;
  readonly #countNonMessages: StatementSync;
  readonly #countByReason: StatementSync;
  readonly #topSigningDomains: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insertDump = db.prepare(`
      INSERT INTO dumps (id, name, source, bytes, status, started_at, finished_at)
      VALUES (?, ?, ?, ?, 'processing', ?, NULL)
      ON CONFLICT (id) DO NOTHING`);
    this.#reopenDump = db.prepare(`
      UPDATE dumps SET status = 'processing', finished_at = NULL WHERE id = ? AND status <> 'complete'`);
    this.#selectDump = db.prepare('SELECT * FROM dumps WHERE id = ?');
    // rowid breaks ties between dumps started in the same millisecond: the later insert is the newer dump.
    this.#newestDump = db.prepare('SELECT * FROM dumps ORDER BY started_at DESC, rowid DESC LIMIT 1');
    this.#listDumps = db.prepare('SELECT * FROM dumps ORDER BY started_at DESC, rowid DESC');
    this.#updateStatus = db.prepare('UPDATE dumps SET status = ?, finished_at = ? WHERE id = ?');
    this.#selectLocatorKeys = db.prepare('SELECT locator_key FROM entries WHERE dump_id = ?');
    this.#upsertEntry = db.prepare(UPSERT_ENTRY_SQL);
    this.#deleteSigningDomains = db.prepare(
      'DELETE FROM entry_signing_domains WHERE dump_id = ? AND locator_key = ?',
    );
    this.#insertSigningDomain = db.prepare(
      'INSERT OR IGNORE INTO entry_signing_domains (dump_id, locator_key, domain) VALUES (?, ?, ?)',
    );
    // Only messages have a verdict (a CHECK holds it), so this counts messages, off the verdict index.
    this.#countByVerdict = db.prepare(`
      SELECT verdict, count(*) AS n FROM entries WHERE dump_id = ? AND verdict IS NOT NULL GROUP BY verdict`);
    this.#countNonMessages = db.prepare(`
      SELECT kind, count(*) AS n FROM entries WHERE dump_id = ? AND verdict IS NULL GROUP BY kind`);
    // DISTINCT: a message counts once per reason even if its list repeats one. INDEXED BY: the planner would
    // read the whole rows; the verdict index covers this query (about 7 times faster).
    this.#countByReason = db.prepare(`
      SELECT reason, count(*) AS n FROM (
        SELECT DISTINCT e.locator_key, r.value AS reason
        FROM entries AS e INDEXED BY entries_by_verdict, json_each(e.reasons) AS r
        WHERE e.dump_id = ? AND e.verdict IS NOT NULL
      ) GROUP BY reason`);
    this.#topSigningDomains = db.prepare(`
      SELECT domain, count(*) AS messages FROM entry_signing_domains WHERE dump_id = ?
      GROUP BY domain ORDER BY messages DESC, domain LIMIT ${TOP_SIGNING_DOMAINS}`);
  }

  async openDump(dump: Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'>, at: Date): Promise<DumpRecord> {
    return inWriteTransaction(this.#db, () => {
      this.#insertDump.run(dump.id, dump.name, dump.source, dump.bytes, at.toISOString());
      this.#reopenDump.run(dump.id);
      return dumpFromRow(this.#selectDump.get(dump.id) as unknown as DumpRow);
    });
  }

  async setStatus(dumpId: string, status: DumpStatus, at: Date): Promise<void> {
    const finishedAt = status === 'complete' || status === 'interrupted' ? at.toISOString() : null;
    const { changes } = this.#updateStatus.run(status, finishedAt, dumpId);
    if (changes === 0) throw new Error(`no dump ${dumpId} in the local store`);
  }

  async storedLocators(dumpId: string): Promise<Set<string>> {
    const keys = new Set<string>();
    for (const row of this.#selectLocatorKeys.iterate(dumpId)) keys.add(row.locator_key as string);
    return keys;
  }

  async putEntries(dumpId: string, entries: EntryRecord[]): Promise<void> {
    if (entries.length === 0) return;
    inWriteTransaction(this.#db, () => {
      if (this.#selectDump.get(dumpId) === undefined) throw new Error(`no dump ${dumpId} in the local store`);
      for (const entry of entries) this.#putEntry(dumpId, entry);
    });
  }

  #putEntry(dumpId: string, entry: EntryRecord): void {
    this.#upsertEntry.run(...entryRowValues(dumpId, entry));
    // Re-put entries replace their domains: a message verified again may carry other signatures now.
    const key = locatorKey(entry.locator);
    this.#deleteSigningDomains.run(dumpId, key);
    if (entry.kind !== 'message') return;
    for (const domain of signingDomains(entry.signatures)) this.#insertSigningDomain.run(dumpId, key, domain);
  }

  async listDumps(): Promise<DumpRecord[]> {
    return this.#listDumps.all().map((row) => dumpFromRow(row as unknown as DumpRow));
  }

  async summary(dumpId?: string): Promise<DumpSummary | null> {
    const dump = this.#findDump(dumpId);
    if (dump === null) return null;
    const summary: DumpSummary = {
      dump,
      messages: 0,
      byVerdict: {},
      byReason: {},
      signingDomains: [],
      skipped: 0,
      errors: 0,
    };
    for (const row of this.#countByVerdict.iterate(dump.id)) {
      const verdict = row.verdict as Verdict;
      const count = row.n as number;
      summary.byVerdict[verdict] = count;
      summary.messages += count;
      if (verdict === 'error') summary.errors += count;
    }
    for (const row of this.#countNonMessages.iterate(dump.id)) {
      if (row.kind === 'skipped') summary.skipped += row.n as number;
      if (row.kind === 'error') summary.errors += row.n as number;
    }
    for (const row of this.#countByReason.iterate(dump.id)) {
      summary.byReason[row.reason as Reason] = row.n as number;
    }
    for (const row of this.#topSigningDomains.iterate(dump.id)) {
      summary.signingDomains.push({ domain: row.domain as string, messages: row.messages as number });
    }
    return summary;
  }

  async *exportRecords(dumpId?: string): AsyncGenerator<ExportRecord> {
    const dump = this.#findDump(dumpId);
    if (dump === null) return;
    // A statement of its own: two exports iterating one shared statement would reset each other.
    const rows = this.#db.prepare(EXPORT_SQL).iterate(dump.id);
    for (const row of rows) yield exportRecordFromRow(row as unknown as ExportRow);
  }

  /** The given dump, or the most recently started one. */
  #findDump(dumpId: string | undefined): DumpRecord | null {
    const row = dumpId === undefined ? this.#newestDump.get() : this.#selectDump.get(dumpId);
    return row === undefined ? null : dumpFromRow(row as unknown as DumpRow);
  }
}
