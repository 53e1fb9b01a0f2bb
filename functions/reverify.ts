/**
 * The scheduled re-verification Lambda (an EventBridge schedule, daily by default): asks DNS again for every
 * (domain, selector) seen in the dumps, unless the stack is offline, recording new, still-published and removed
 * keys in the archive; then selects every affected message by index and queues it to the workers, which
 * re-verify it from the dump's bytes (functions/verify.ts). Counts only in its logs and metrics.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { awsAdapters, lazily } from '../shared/adapters/aws/aws-adapters.ts';
import { systemTxtLookup } from '../shared/keys/dns-key-lookup.ts';
import { watchKeys, type KeyWatchResult } from '../shared/reverify/key-watch.ts';
import { newRunId, queueReverification } from '../shared/reverify/queue-reverification.ts';

/** What one scheduled run did: for the logs, and for whoever invokes it by hand. */
export interface ScheduledRun {
  runId: string;
  /** null when offline: no DNS lookups. */
  keys: KeyWatchResult | null;
  selected: number;
  queued: number;
  dumps: number;
  jobs: number;
  /** Dumps with selected messages that could not be queued. */
  skippedDumps: number;
}

const logger = new Logger();
const metrics = new Metrics();
const adapters = lazily(() => awsAdapters());

export async function handler(event: ScheduledEvent, context: Context): Promise<ScheduledRun> {
  logger.addContext(context);
  const { store, archive, blobs, workQueue, settings } = adapters();
  try {
    let keys: KeyWatchResult | null = null;
    if (!settings.offline) {
      keys = await watchKeys(store, archive, systemTxtLookup(), () => new Date());
      logger.info('keys watched', { ...keys });
      metrics.addMetric('SelectorsWatched', MetricUnit.Count, keys.selectors);
      metrics.addMetric('KeysAdded', MetricUnit.Count, keys.added);
      metrics.addMetric('KeysRemoved', MetricUnit.Count, keys.removed);
      metrics.addMetric('KeyLookupsFailed', MetricUnit.Count, keys.failed);
    }
    const runId = newRunId();
    const run = await queueReverification({ store, archive, blobs, queue: workQueue(), runId });
    for (const { dumpId, reason } of run.skipped) logger.warn('dump not re-verified', { runId, dumpId, reason });
    const summary: ScheduledRun = { runId, keys, selected: run.selected, queued: run.queued, dumps: run.dumps.length, jobs: run.jobs, skippedDumps: run.skipped.length };
    logger.info('re-verification queued', { ...summary, keys: undefined, eventId: event.id, scheduledAt: event.time });
    metrics.addMetric('MessagesSelected', MetricUnit.Count, run.selected);
    metrics.addMetric('MessagesQueued', MetricUnit.Count, run.queued);
    metrics.addMetric('ReverifyJobsQueued', MetricUnit.Count, run.jobs);
    return summary;
  } finally {
    metrics.publishStoredMetrics();
  }
}
