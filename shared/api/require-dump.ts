import type { VerdictStore } from '../ports/verdict-store.ts';
import { notFound } from './problem.ts';

/**
 * Refuses an unknown dump id with a 404, for routes that must know before they start (an export streams its
 * status line before its first record). A one-item listing: one indexed read in either store, where a summary
 * would count the whole dump.
 */
export async function requireDump(store: VerdictStore, dumpId: string): Promise<void> {
  if ((await store.listMessages(dumpId, { limit: 1 })) === null) throw notFound(`no dump ${dumpId}`);
}
