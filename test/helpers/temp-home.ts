import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openLocalDatabase } from '../../shared/adapters/local/sqlite-database.ts';

/**
 * A fresh temp folder for each test of the calling file, removed afterwards together with every SQLite
 * connection opened through `open` (a store home is `dir` unless another folder is named).
 */
export function useTempHome(prefix: string): { readonly dir: string; open(home?: string): DatabaseSync; track(db: DatabaseSync): DatabaseSync } {
  let dir = '';
  const connections: DatabaseSync[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    for (const db of connections.splice(0)) if (db.isOpen) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    open(home = dir) {
      return this.track(openLocalDatabase(home));
    },
    /** Closes a connection opened some other way along with the rest. */
    track(db) {
      connections.push(db);
      return db;
    },
  };
}
