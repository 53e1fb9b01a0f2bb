import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import {
  DATABASE_FILE_NAME,
  inWriteTransaction,
  localDatabasePath,
  migrate,
  openLocalDatabase,
} from '../../../../shared/adapters/local/sqlite-database.ts';
import { ENTRY_COLUMNS, entryRowValues } from '../../../../shared/adapters/local/sqlite-entry-rows.ts';
import { SqliteKeyArchive } from '../../../../shared/adapters/local/sqlite-key-archive.ts';
import { LOCAL_MIGRATIONS } from '../../../../shared/adapters/local/sqlite-schema.ts';
import { SqliteVerdictStore } from '../../../../shared/adapters/local/sqlite-verdict-store.ts';
import type { MessageRecord } from '../../../../shared/ports/verdict-store.ts';
import { collect } from '../../../helpers/verdict-store-contract.ts';
import { archivedKey, documentEntry, errorEntry, messageEntry, signature, skippedEntry } from '../../../helpers/store-records.ts';
import { useTempHome } from '../../../helpers/temp-home.ts';

const temp = useTempHome('leakproof-db-');

function openAt(home: string): DatabaseSync {
  return temp.open(home);
}

function pragma(db: DatabaseSync, name: string): unknown {
  // The column is not always named after the pragma (busy_timeout answers "timeout").
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown>;
  return Object.values(row)[0];
}

describe('openLocalDatabase', () => {
  it('creates the home folder and the file, in WAL mode with foreign keys, at the latest schema', () => {
    const home = join(temp.dir, 'nested', 'home');
    const db = openAt(home);
    expect(localDatabasePath(home)).toBe(join(home, DATABASE_FILE_NAME));
    expect(existsSync(localDatabasePath(home))).toBe(true);
    expect(pragma(db, 'journal_mode')).toBe('wal');
    expect(pragma(db, 'foreign_keys')).toBe(1);
    expect(pragma(db, 'busy_timeout')).toBe(10_000);
    expect(pragma(db, 'user_version')).toBe(LOCAL_MIGRATIONS.length);
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => row.name);
    // entry_search is FTS5's: it keeps its index in tables of its own (entry_search_config, _content, _data, _docsize, _idx).
    expect(tables.filter((name) => !String(name).startsWith('entry_search_'))).toEqual(['attachment_authors', 'dumps', 'entries', 'entry_search', 'entry_signatures', 'entry_signing_domains', 'file_places', 'keys']);
  });

  it('keeps the data when opened again, without migrating twice', () => {
    const first = openAt(temp.dir);
    first.exec("INSERT INTO keys (domain, selector, value) VALUES ('example.com', 's', 'v=DKIM1; p=')");
    first.close();
    const second = openAt(temp.dir);
    expect(second.prepare('SELECT count(*) AS n FROM keys').get()).toEqual({ n: 1 });
  });

  it('refuses a file written by a newer schema', () => {
    const db = openAt(temp.dir);
    db.exec(`PRAGMA user_version = ${LOCAL_MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openLocalDatabase(temp.dir)).toThrow(/newer than this leakproof knows/);
  });

  it('lets a second connection read while the first holds a write transaction (WAL)', () => {
    const writer = openAt(temp.dir);
    const reader = openAt(temp.dir);
    writer.exec("INSERT INTO keys (domain, selector, value) VALUES ('a.test', 's', 'one')");
    writer.exec('BEGIN IMMEDIATE');
    writer.exec("INSERT INTO keys (domain, selector, value) VALUES ('a.test', 's', 'two')");
    // The reader is not blocked, and sees only what was committed.
    expect(reader.prepare('SELECT count(*) AS n FROM keys').get()).toEqual({ n: 1 });
    writer.exec('COMMIT');
    expect(reader.prepare('SELECT count(*) AS n FROM keys').get()).toEqual({ n: 2 });
  });

  it('makes a second writer wait out the busy timeout, then fail, rather than corrupt anything', () => {
    const first = openAt(temp.dir);
    const second = openLocalDatabase(temp.dir, { busyTimeoutMs: 50 });
    temp.track(second);
    first.exec('BEGIN IMMEDIATE');
    expect(() => inWriteTransaction(second, () => undefined)).toThrow(/locked|busy/i);
    first.exec('ROLLBACK');
    expect(inWriteTransaction(second, () => 'written')).toBe('written');
  });
});

describe('store privacy', () => {
  it('creates a new home readable by its owner only', () => {
    const home = join(temp.dir, 'new-home');
    openAt(home);
    expect(statSync(home).mode & 0o777).toBe(0o700);
  });
});

describe('migrate', () => {
  it('applies only the migrations the file has not run, and counts them in user_version', () => {
    const db = new DatabaseSync(':memory:');
    temp.track(db);
    migrate(db, ['CREATE TABLE a (x INTEGER) STRICT']);
    db.exec('INSERT INTO a VALUES (1)');
    migrate(db, ['CREATE TABLE a (x INTEGER) STRICT', 'CREATE TABLE b (y INTEGER) STRICT']);
    expect(pragma(db, 'user_version')).toBe(2);
    expect(db.prepare('SELECT count(*) AS n FROM a').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT count(*) AS n FROM b').get()).toEqual({ n: 0 });
  });

  it('rolls a failing migration back whole', () => {
    const db = new DatabaseSync(':memory:');
    temp.track(db);
    expect(() => migrate(db, ['CREATE TABLE a (x INTEGER) STRICT; CREATE TABLE a (y INTEGER)'])).toThrow();
    expect(pragma(db, 'user_version')).toBe(0);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'a'").get()).toEqual({ n: 0 });
  });
});

describe('migration 2', () => {
  // Messages as version 1 stored them: no sender, rules version or history; key evidence without compromisedAt.
  const oldMessage = (path: string, fields: Partial<MessageRecord>): MessageRecord => {
    const message = { ...messageEntry(path), ...fields, sender: null, rulesVersion: 1, history: [] };
    for (const evidence of message.signatures) if (evidence.key) delete (evidence.key as { compromisedAt?: unknown }).compromisedAt;
    return message;
  };
  const signed = oldMessage('a.eml', {
    date: '2023-05-06T07:08:09.000Z',
    signatures: [
      signature('Example.COM', { s: 'SEL1' }),
      signature('relay.example', { index: 1, s: 'r', status: 'key-unavailable', key: null }),
      signature('nosel.example', { index: 2, s: null }),
    ],
  });
  const failed = oldMessage('b.eml', { verdict: 'failed', reasons: ['body-hash-mismatch'], date: null, signatures: [] });
  const entries = [signed, failed, skippedEntry('c.png'), errorEntry('d.eml')];

  /** A home whose file was written by migration 1 alone, holding a dump, its entries and a key. */
  function homeAtVersion1(): string {
    mkdirSync(temp.dir, { recursive: true });
    const db = temp.track(new DatabaseSync(localDatabasePath(temp.dir)));
    migrate(db, LOCAL_MIGRATIONS.slice(0, 1));
    db.exec(`INSERT INTO dumps VALUES ('old', 'old.zip', '/old.zip', 10, 'complete', '2025-01-01T00:00:00.000Z', NULL)`);
    const columns = ENTRY_COLUMNS.slice(0, 15);
    const insert = db.prepare(`INSERT INTO entries (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    for (const entry of entries) insert.run(...entryRowValues('old', entry).slice(0, columns.length));
    db.exec(`INSERT INTO entry_signing_domains VALUES ('old', 'a.eml', 'example.com'), ('old', 'a.eml', 'relay.example'),
      ('old', 'a.eml', 'nosel.example')`);
    db.exec(`INSERT INTO keys (domain, selector, value, first_seen_at) VALUES ('example.com', 'sel1', 'v=DKIM1; p=old', NULL)`);
    db.close();
    return temp.dir;
  }

  it('keeps version 1 rows, reading them back with no sender, rules version 1 and an empty history', async () => {
    const db = openAt(homeAtVersion1());
    expect(pragma(db, 'user_version')).toBe(LOCAL_MIGRATIONS.length);
    const store = new SqliteVerdictStore(db);
    expect(await store.getEntry('old', 'a.eml')).toEqual({ ...signed, sender: null, rulesVersion: 1, history: [], unsignedShown: null });
    expect(await store.getEntry('old', 'c.png')).toEqual(entries[2]);
    expect(await store.getEntry('old', 'd.eml')).toEqual(entries[3]);
    expect(await store.summary('old')).toMatchObject({
      messages: 2,
      skipped: 1,
      errors: 1,
      senderDomains: [],
      months: [{ month: '2023-05', byVerdict: { verified: 1 } }],
      undated: 1,
    });
    const listed = await store.listMessages('old', { domain: 'relay.example', limit: 10 });
    expect(listed?.messages.map((line) => line.locator)).toEqual(['a.eml']);
    expect((await store.listMessages('old', { verdict: 'error', limit: 10 }))?.messages.map((line) => line.locator)).toEqual(['d.eml']);
  });

  it('indexes the signatures stored before it, and the rules version of every message', async () => {
    const store = new SqliteVerdictStore(openAt(homeAtVersion1()));
    expect(await collect(store.seenSelectors())).toEqual([
      { domain: 'example.com', selector: 'sel1' },
      { domain: 'relay.example', selector: 'r' },
    ]);
    expect(await collect(store.selectorUses('relay.example', 'r'))).toEqual([
      { dumpId: 'old', locator: 'a.eml', verdict: 'verified', rulesVersion: 1, status: 'key-unavailable', keyRecord: null, keyCompromisedAt: null },
    ]);
    const [use] = await collect(store.selectorUses('example.com', 'sel1'));
    expect(use).toMatchObject({ keyRecord: 'v=DKIM1; k=rsa; p=MIIB', keyCompromisedAt: null });
    expect(await store.dumpsBeforeRules(2)).toEqual(['old']);
    expect(await collect(store.messagesBeforeRules('old', 2))).toEqual(['a.eml', 'b.eml']);
    // Written again, a message replaces the signature rows the migration made.
    await store.replaceMessages('old', [{ ...signed, signatures: [signature('example.com', { s: 'sel2' })], rulesVersion: 2 }], 'b1');
    expect(await collect(store.seenSelectors())).toEqual([{ domain: 'example.com', selector: 'sel2' }]);
    expect(await collect(store.messagesBeforeRules('old', 2))).toEqual(['b.eml']);
  });

  it('keeps archived keys, not known to be compromised', async () => {
    const archive = new SqliteKeyArchive(openAt(homeAtVersion1()));
    expect(await archive.findByDomain('example.com')).toEqual([
      archivedKey({ value: 'v=DKIM1; p=old', source: null, compromisedAt: null }),
    ]);
  });
});

describe('migration 3', () => {
  /** A home whose file was written by migrations 1 and 2, holding an interrupted dump with one entry. */
  function homeAtVersion2(): string {
    mkdirSync(temp.dir, { recursive: true });
    const db = temp.track(new DatabaseSync(localDatabasePath(temp.dir)));
    migrate(db, LOCAL_MIGRATIONS.slice(0, 2));
    db.exec(`INSERT INTO dumps VALUES ('old', 'old.zip', '/old.zip', 10, 'interrupted', '2025-01-01T00:00:00.000Z', NULL)`);
    expect(() => db.exec(`UPDATE dumps SET status = 'failed'`)).toThrow(/CHECK constraint/);
    db.close();
    return temp.dir;
  }

  it("lets a dump be failed with its reason, keeps what was stored, and still refuses a status it does not know", async () => {
    const db = openAt(homeAtVersion2());
    const store = new SqliteVerdictStore(db);
    await store.putEntries('old', [errorEntry('d.eml')]);
    expect(await store.markFailed('old', 'the split gave up', new Date('2025-01-02T00:00:00.000Z'))).toBe(true);
    expect((await store.summary('old'))?.dump).toMatchObject({ status: 'failed', failure: 'the split gave up', errors: 1 });
    expect(() => db.exec(`UPDATE dumps SET status = 'lost'`)).toThrow(/CHECK constraint/);
    expect(pragma(db, 'writable_schema')).toBe(0);
    expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    // Another connection opened afterwards reads the new schema from the file.
    const other = openAt(temp.dir);
    expect(other.prepare("SELECT status, failure FROM dumps WHERE id = 'old'").get()).toEqual({ status: 'failed', failure: 'the split gave up' });
  });
});

describe('migration 4', () => {
  const message = messageEntry('a.eml', { signedBy: ['example.com'] });
  /** A home whose file was written by migrations 1 to 3, holding a dump with a message, a skipped entry and an error. */
  function homeAtVersion3(): string {
    mkdirSync(temp.dir, { recursive: true });
    const db = temp.track(new DatabaseSync(localDatabasePath(temp.dir)));
    migrate(db, LOCAL_MIGRATIONS.slice(0, 3));
    db.exec(`INSERT INTO dumps (id, name, source, bytes, status, started_at) VALUES ('old', 'old.zip', '/old.zip', 10, 'complete', '2025-01-01T00:00:00.000Z')`);
    const columns = ENTRY_COLUMNS.slice(0, 19);
    const insert = db.prepare(`INSERT INTO entries (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    for (const entry of [message, skippedEntry('report.pdf', 'not a message (pdf)'), errorEntry('d.eml')]) insert.run(...entryRowValues('old', entry).slice(0, columns.length));
    expect(() => db.exec(`UPDATE entries SET kind = 'document' WHERE locator_key = 'report.pdf'`)).toThrow(/CHECK constraint/);
    db.close();
    return temp.dir;
  }

  it('reads older messages back with no attachments, ARC or forensics, and takes documents beside them', async () => {
    const db = openAt(homeAtVersion3());
    expect(pragma(db, 'user_version')).toBe(LOCAL_MIGRATIONS.length);
    const store = new SqliteVerdictStore(db);
    expect(await store.getEntry('old', 'a.eml')).toEqual({ ...message, attachments: [], attachmentsNote: null, arc: null, forensics: null, unsignedShown: null });
    // What an older run skipped stays skipped until the dump is ingested afresh; a new document is stored and counted.
    await store.putEntries('old', [documentEntry('sheet.xlsx', 'sheet')]);
    expect(await store.summary('old')).toMatchObject({ messages: 1, documents: 1, skipped: 1, errors: 1, dump: { processed: 4 } });
    expect(() => db.exec(`UPDATE entries SET kind = 'lost'`)).toThrow(/CHECK constraint/);
    expect(pragma(db, 'writable_schema')).toBe(0);
    expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    // Messages stored before are found among the copies of a message by their Message-ID.
    expect(await collect(store.messagesWithIdentity('id:<a.eml@example.test>'))).toEqual([{ dumpId: 'old', locator: 'a.eml', verdict: 'verified' }]);
  });
});

/** Inserts entries into a file at an older schema: the columns that schema had (migration 6 added To and Cc, 7 unsigned_shown). */
function insertAtVersion(db: DatabaseSync, version: 5 | 6): (entry: Parameters<typeof entryRowValues>[1]) => void {
  const columns = ENTRY_COLUMNS.slice(0, ENTRY_COLUMNS.indexOf(version < 6 ? 'to_header' : 'unsigned_shown'));
  const insert = db.prepare(`INSERT INTO entries (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  return (entry) => void insert.run(...entryRowValues('old', entry).slice(0, columns.length));
}

describe('migration 5', () => {
  const subjects = ['Réunion de crise', 'Virement urgent', null];
  /** A home whose file was written by migrations 1 to 4, holding messages (one without a subject) and an error. */
  function homeAtVersion4(): string {
    mkdirSync(temp.dir, { recursive: true });
    const db = temp.track(new DatabaseSync(localDatabasePath(temp.dir)));
    migrate(db, LOCAL_MIGRATIONS.slice(0, 4));
    db.exec(`INSERT INTO dumps (id, name, source, bytes, status, started_at) VALUES ('old', 'old.zip', '/old.zip', 10, 'complete', '2025-01-01T00:00:00.000Z')`);
    const insert = insertAtVersion(db, 5);
    subjects.forEach((subject, i) => insert(messageEntry(`${i}.eml`, { subject })));
    insert(errorEntry('bad.eml'));
    db.close();
    return temp.dir;
  }

  it('indexes the messages stored before it for search (case and diacritics folded), and keeps them in step after', async () => {
    const db = openAt(homeAtVersion4());
    expect(pragma(db, 'user_version')).toBe(LOCAL_MIGRATIONS.length);
    const store = new SqliteVerdictStore(db);
    const found = async (q: string) => (await store.listMessages('old', { q, limit: 10 }))!.messages.map((line) => line.locator);
    expect(await found('REUNION')).toEqual(['0.eml']);
    expect(await found('virem')).toEqual(['1.eml']);
    expect(await found('alice')).toEqual(['0.eml', '1.eml', '2.eml']);
    // Rewritten, a message is found by its new words only; the index holds one row per message.
    await store.putEntries('old', [messageEntry('0.eml', { subject: 'Compte rendu' })]);
    expect(await found('reunion')).toEqual([]);
    expect(await found('compte')).toEqual(['0.eml']);
    expect(db.prepare('SELECT count(*) AS n FROM entry_search').get()).toEqual({ n: 3 });
    expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
  });
});

describe('migration 6', () => {
  const message = messageEntry('a.eml', { subject: 'Budget', signedBy: ['example.com'] });
  /** A home whose file was written by migrations 1 to 5, holding a message and an error. */
  function homeAtVersion5(): string {
    mkdirSync(temp.dir, { recursive: true });
    const db = temp.track(new DatabaseSync(localDatabasePath(temp.dir)));
    migrate(db, LOCAL_MIGRATIONS.slice(0, 5));
    db.exec(`INSERT INTO dumps (id, name, source, bytes, status, started_at) VALUES ('old', 'old.zip', '/old.zip', 10, 'complete', '2025-01-01T00:00:00.000Z')`);
    const insert = insertAtVersion(db, 5);
    insert(message);
    insert(errorEntry('bad.eml'));
    db.close();
    return temp.dir;
  }

  it('reads messages stored before with no To or Cc, and keeps those of messages written after', async () => {
    const db = openAt(homeAtVersion5());
    expect(pragma(db, 'user_version')).toBe(LOCAL_MIGRATIONS.length);
    const store = new SqliteVerdictStore(db);
    expect(await store.getEntry('old', 'a.eml')).toEqual({ ...message, to: null, cc: null, unsignedShown: null });
    const copied = messageEntry('b.eml', { to: '"Bob" <bob@press.example>', cc: '"Zoë" <zoe@audit.example>' });
    await store.putEntries('old', [copied]);
    expect(await store.getEntry('old', 'b.eml')).toEqual(copied);
    expect((await store.listMessages('old', { q: 'zoe', limit: 10 }))!.messages.map((line) => line.locator)).toEqual(['b.eml']);
    expect((await collect(store.exportRecords('old'))).map((record) => [record.locator, record.to, record.cc])).toEqual([
      ['a.eml', null, null],
      ['b.eml', copied.to, copied.cc],
      ['bad.eml', null, null],
    ]);
    expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
  });
});

describe('migration 7', () => {
  const message = messageEntry('a.eml', { subject: 'Budget', signedBy: ['example.com'], to: '"Bob" <bob@press.example>' });
  /** A home whose file was written by migrations 1 to 6, holding a message and an error. */
  function homeAtVersion6(): string {
    mkdirSync(temp.dir, { recursive: true });
    const db = temp.track(new DatabaseSync(localDatabasePath(temp.dir)));
    migrate(db, LOCAL_MIGRATIONS.slice(0, 6));
    db.exec(`INSERT INTO dumps (id, name, source, bytes, status, started_at) VALUES ('old', 'old.zip', '/old.zip', 10, 'complete', '2025-01-01T00:00:00.000Z')`);
    const insert = insertAtVersion(db, 6);
    insert(message);
    insert(errorEntry('bad.eml'));
    db.close();
    return temp.dir;
  }

  it('reads messages stored before with unsignedShown not known (null), and keeps it for messages written after', async () => {
    const db = openAt(homeAtVersion6());
    expect(pragma(db, 'user_version')).toBe(LOCAL_MIGRATIONS.length);
    const store = new SqliteVerdictStore(db);
    expect(await store.getEntry('old', 'a.eml')).toEqual({ ...message, unsignedShown: null });
    const forged = messageEntry('b.eml', { verdict: 'partially-verified', reasons: ['unsigned-header', 'duplicate-header'], subject: 'Resign now', unsignedShown: ['subject'] });
    await store.putEntries('old', [forged]);
    expect(await store.getEntry('old', 'b.eml')).toEqual(forged);
    expect((await store.listMessages('old', { limit: 10 }))!.messages.map((line) => [line.locator, line.unsignedShown])).toEqual([
      ['a.eml', null],
      ['b.eml', ['subject']],
      ['bad.eml', []],
    ]);
    expect((await collect(store.exportRecords('old'))).map((record) => [record.locator, record.unsignedShown])).toEqual([
      ['a.eml', null],
      ['b.eml', ['subject']],
      ['bad.eml', null],
    ]);
    expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
  });
});
