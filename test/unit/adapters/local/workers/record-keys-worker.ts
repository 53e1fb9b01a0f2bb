// A worker thread recording DNS-fetched keys into the shared local store, as the ingest's workers do.
import { parentPort, workerData } from 'node:worker_threads';
import { openLocalDatabase } from '../../../../../shared/adapters/local/sqlite-database.ts';
import { SqliteKeyArchive } from '../../../../../shared/adapters/local/sqlite-key-archive.ts';

interface RecordKeysJob {
  home: string;
  worker: number;
  keys: number;
}

const job = workerData as RecordKeysJob;
const db = openLocalDatabase(job.home);
const archive = new SqliteKeyArchive(db);
for (let i = 0; i < job.keys; i++) {
  // One key every worker sees, seen at a different day by each; and one key of its own.
  const day = String(job.worker + 1).padStart(2, '0');
  await archive.record({
    domain: 'shared.example',
    selector: `s${i}`,
    value: `v=DKIM1; p=shared${i}`,
    firstSeenAt: `2024-01-${day}T00:00:00.000Z`,
    lastSeenAt: `2024-02-${day}T00:00:00.000Z`,
    source: 'dns',
  });
  await archive.record({
    domain: `worker${job.worker}.example`,
    selector: `s${i}`,
    value: `v=DKIM1; p=own${i}`,
    firstSeenAt: null,
    lastSeenAt: null,
    source: 'dns',
  });
}
db.close();
parentPort?.postMessage('done');
