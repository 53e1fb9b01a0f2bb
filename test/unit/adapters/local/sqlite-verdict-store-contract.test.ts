import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalDatabase } from '../../../../shared/adapters/local/sqlite-database.ts';
import { SqliteVerdictStore } from '../../../../shared/adapters/local/sqlite-verdict-store.ts';
import { verdictStoreContract } from '../../../helpers/verdict-store-contract.ts';

// Each store on a file of its own, removed with it.
verdictStoreContract(async () => {
  const home = mkdtempSync(join(tmpdir(), 'leakproof-contract-'));
  const db = openLocalDatabase(home);
  return {
    store: new SqliteVerdictStore(db),
    async close() {
      db.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
});
