import { resolve } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { openLocalDatabase } from './sqlite-database.ts';
import { SqliteKeyArchive } from './sqlite-key-archive.ts';
import { SqliteVerdictStore } from './sqlite-verdict-store.ts';

/** Where the embedded store lives: --home, else $LEAKPROOF_HOME, else ./.leakproof. */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.LEAKPROOF_HOME ?? '.leakproof');
}

/** The local adapters over one home: the verdict store and the key archive share one SQLite file. */
export interface LocalHome {
  home: string;
  db: DatabaseSync;
  store: SqliteVerdictStore;
  archive: SqliteKeyArchive;
  close(): void;
}

export function openLocalHome(home: string): LocalHome {
  const db = openLocalDatabase(home);
  return { home, db, store: new SqliteVerdictStore(db), archive: new SqliteKeyArchive(db), close: () => db.close() };
}
