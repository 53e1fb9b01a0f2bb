import { existsSync, statSync } from 'node:fs';
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
import { LOCAL_MIGRATIONS } from '../../../../shared/adapters/local/sqlite-schema.ts';
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
    expect(tables).toEqual(['dumps', 'entries', 'entry_signing_domains', 'keys']);
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
