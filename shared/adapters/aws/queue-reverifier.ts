/**
 * The Reverifier port in AWS, for the API: asking for a dump's re-verification, or importing keys, queues the
 * affected messages to the workers (shared/reverify/queue-reverification.ts) and answers at once.
 */
import type { WorkJob } from '../../fanout/work-units.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { KeyArchive } from '../../ports/key-archive.ts';
import type { Reverifier } from '../../ports/reverifier.ts';
import type { VerdictStore } from '../../ports/verdict-store.ts';
import type { WorkQueue } from '../../ports/work-queue.ts';
import { newRunId, queueReverification, type QueueReverificationOptions } from '../../reverify/queue-reverification.ts';

export interface QueueReverifierOptions {
  store: VerdictStore;
  archive: KeyArchive;
  blobs: BlobStore;
  /** A fresh queue writer per run. */
  workQueue: () => WorkQueue<WorkJob>;
  runId?: () => string;
}

export function queueReverifier(options: QueueReverifierOptions): Reverifier {
  const queue = (scope: QueueReverificationOptions['scope']) =>
    queueReverification({ store: options.store, archive: options.archive, blobs: options.blobs, queue: options.workQueue(), scope, runId: (options.runId ?? newRunId)() });
  return {
    async reverifyDump(dumpId) {
      const run = await queue({ dumpId });
      return { dumpId, status: 'queued', selected: run.selected, changed: null };
    },
    async keysImported(selectors) {
      if (selectors.length === 0) return { affected: 0, dumps: [], queued: true };
      const run = await queue({ selectors });
      return { affected: run.selected, dumps: run.dumps, queued: true };
    },
  };
}
