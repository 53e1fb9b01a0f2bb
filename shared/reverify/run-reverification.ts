/**
 * A re-verification run on one machine: select the affected messages by index, re-read each from its dump,
 * re-verify it against the current key archive and rules, and replace the verdicts that changed.
 */
import { randomUUID } from 'node:crypto';
import type { Locator, MessageEntry } from '../dump/entry.ts';
import type { KeyArchive } from '../ports/key-archive.ts';
import type { DumpRecord, VerdictStore } from '../ports/verdict-store.ts';
import { mapConcurrently } from '../pipeline/map-concurrently.ts';
import type { MessageVerifier } from '../verify/verify-message.ts';
import { reverifyMessages, type ReverifyOutcome, type ReverifyTally } from './reverify-messages.ts';
import { selectAffected, selectionSize, type SelectionScope } from './select-affected.ts';
import type { ChangeCause } from '../verdict/contract.ts';

export interface ReverificationOptions {
  store: VerdictStore;
  archive: KeyArchive;
  verifier: MessageVerifier;
  /** Re-reads a dump's stored messages from its original bytes. */
  readMessages: (dump: DumpRecord, locators: readonly Locator[]) => AsyncIterable<MessageEntry>;
  now: () => Date;
  scope?: SelectionScope;
  onSelected?: (selected: number) => void;
  onChecked?: (outcome: ReverifyOutcome) => void;
}

export interface ReverificationSummary extends ReverifyTally {
  selected: number;
}

export async function runReverification(options: ReverificationOptions): Promise<ReverificationSummary> {
  const { store } = options;
  const selection = await selectAffected(store, options.archive, options.scope);
  const summary: ReverificationSummary = { selected: selectionSize(selection), checked: 0, changed: 0, transitions: new Map(), unreadable: 0, documentsSettled: 0, provenanceChanged: 0, settleCapped: 0 };
  options.onSelected?.(summary.selected);
  const runId = randomUUID();
  const dumps = new Map((await store.listDumps()).map((dump) => [dump.id, dump]));
  for (const [dumpId, causes] of selection) {
    const dump = dumps.get(dumpId);
    if (!dump) continue;
    const locators = await storedLocators(store, dumpId, causes);
    const tally = await reverifyMessages(options.readMessages(dump, locators), {
      dumpId,
      causes,
      store,
      verifier: options.verifier,
      now: options.now(),
      batchId: (sequence) => `reverify-${runId}-${sequence}`,
      onChecked: options.onChecked,
    });
    addTally(summary, tally);
  }
  return summary;
}

/** Stored entries looked up at once: a remote store answers each in a round trip. */
const LOOKUPS_IN_FLIGHT = 16;

/**
 * The locators of the selected messages, as stored (a locator key alone lacks an mbox message's length), in
 * the selection's order; messages no longer stored are left out.
 */
export async function storedLocators(store: VerdictStore, dumpId: string, causes: ReadonlyMap<string, ChangeCause>): Promise<Locator[]> {
  const found = await mapConcurrently(causes.keys(), LOOKUPS_IN_FLIGHT, async (key) => (await store.getEntry(dumpId, key))?.locator);
  return found.filter((locator) => locator !== undefined);
}

function addTally(into: ReverifyTally, tally: ReverifyTally): void {
  into.checked += tally.checked;
  into.changed += tally.changed;
  into.unreadable += tally.unreadable;
  into.documentsSettled += tally.documentsSettled;
  into.provenanceChanged += tally.provenanceChanged;
  into.settleCapped += tally.settleCapped;
  for (const [transition, n] of tally.transitions) into.transitions.set(transition, (into.transitions.get(transition) ?? 0) + n);
}
