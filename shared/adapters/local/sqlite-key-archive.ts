import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ArchivedKey, KeyArchive } from '../../ports/key-archive.ts';
import { earliest, latest, normaliseName, normaliseTime } from '../../keys/seen-window.ts';
import { inWriteTransaction } from './sqlite-database.ts';

/** What recording a key did: a new record, a wider seen-window on a known one, or nothing new. */
export type KeyRecordOutcome = 'added' | 'widened' | 'unchanged';

interface KeyRow {
  domain: string;
  selector: string;
  value: string;
  first_seen_at: string | null;
  last_seen_at: string | null;
  source: string | null;
  compromised_at: string | null;
}

// Records with no date at all sort last: they cannot be placed in time. Insertion order breaks ties.
const BY_FIRST_SEEN = 'coalesce(first_seen_at, last_seen_at) IS NULL, coalesce(first_seen_at, last_seen_at), rowid';

/** Lookups, each off the UNIQUE (domain, selector, value) index (a test checks the plans). */
export const KEY_LOOKUP_SQL = {
  find: `SELECT * FROM keys WHERE domain = ? AND selector = ? ORDER BY ${BY_FIRST_SEEN}`,
  findByDomain: `SELECT * FROM keys WHERE domain = ? ORDER BY selector, ${BY_FIRST_SEEN}`,
} as const;

/** The key archive on the local SQLite file (see sqlite-database.ts). Takes an open, migrated connection. */
export class SqliteKeyArchive implements KeyArchive {
  readonly #db: DatabaseSync;
  readonly #selectKeys: StatementSync;
  readonly #selectDomainKeys: StatementSync;
  readonly #selectKey: StatementSync;
  readonly #insertKey: StatementSync;
  readonly #widenKey: StatementSync;
  readonly #countKeys: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#selectKeys = db.prepare(KEY_LOOKUP_SQL.find);
    this.#selectDomainKeys = db.prepare(KEY_LOOKUP_SQL.findByDomain);
    this.#selectKey = db.prepare(
      'SELECT first_seen_at, last_seen_at, compromised_at FROM keys WHERE domain = ? AND selector = ? AND value = ?',
    );
    this.#insertKey = db.prepare(`
      INSERT INTO keys (domain, selector, value, first_seen_at, last_seen_at, source, compromised_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.#widenKey = db.prepare(`
      UPDATE keys SET first_seen_at = ?, last_seen_at = ?, compromised_at = ?
      WHERE domain = ? AND selector = ? AND value = ?`);
    this.#countKeys = db.prepare('SELECT count(*) AS n FROM keys');
  }

  async find(domain: string, selector: string): Promise<ArchivedKey[]> {
    return this.#selectKeys
      .all(normaliseName(domain), normaliseName(selector))
      .map((row) => keyFromRow(row as unknown as KeyRow));
  }

  async findByDomain(domain: string): Promise<ArchivedKey[]> {
    return this.#selectDomainKeys.all(normaliseName(domain)).map((row) => keyFromRow(row as unknown as KeyRow));
  }

  async record(key: ArchivedKey): Promise<void> {
    inWriteTransaction(this.#db, () => this.#record(key));
  }

  /** Records many keys in one transaction (an import of millions would otherwise commit each one). */
  async recordAll(keys: readonly ArchivedKey[]): Promise<KeyRecordOutcome[]> {
    return inWriteTransaction(this.#db, () => keys.map((key) => this.#record(key)));
  }

  async count(): Promise<number> {
    return (this.#countKeys.get() as { n: number }).n;
  }

  // Read then write, inside the caller's write transaction, so no other connection can slip in between.
  #record(key: ArchivedKey): KeyRecordOutcome {
    const domain = normaliseName(key.domain);
    const selector = normaliseName(key.selector);
    const firstSeenAt = normaliseTime(key.firstSeenAt, 'firstSeenAt');
    const lastSeenAt = normaliseTime(key.lastSeenAt, 'lastSeenAt');
    const compromisedAt = normaliseTime(key.compromisedAt ?? null, 'compromisedAt');
    const stored = this.#selectKey.get(domain, selector, key.value) as
      | Pick<KeyRow, 'first_seen_at' | 'last_seen_at' | 'compromised_at'>
      | undefined;
    if (stored === undefined) {
      this.#insertKey.run(domain, selector, key.value, firstSeenAt, lastSeenAt, key.source, compromisedAt);
      return 'added';
    }
    const first = earliest(stored.first_seen_at, firstSeenAt);
    const last = latest(stored.last_seen_at, lastSeenAt);
    // The earliest claim of a compromise stands: a key known to be out was out from then on.
    const compromised = earliest(stored.compromised_at, compromisedAt);
    if (first === stored.first_seen_at && last === stored.last_seen_at && compromised === stored.compromised_at) {
      return 'unchanged';
    }
    this.#widenKey.run(first, last, compromised, domain, selector, key.value);
    return 'widened';
  }
}

function keyFromRow(row: KeyRow): ArchivedKey {
  return {
    domain: row.domain,
    selector: row.selector,
    value: row.value,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    source: row.source,
    compromisedAt: row.compromised_at,
  };
}
