import type { DatabaseSync } from 'node:sqlite';
import { openLocalDatabase } from './sqlite-database.ts';
import { SqliteKeyArchive } from './sqlite-key-archive.ts';
import { SqliteVerdictStore } from './sqlite-verdict-store.ts';

export { resolveHome } from './home-path.ts';

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
