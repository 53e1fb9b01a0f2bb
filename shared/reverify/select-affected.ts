/**
 * Which stored messages a re-verification must look at, found by index, never by reading every verdict:
 * - signatures by a (domain, selector) that could not be checked (no key, DNS failing, key revoked) now that the
 *   archive holds a key for it — a historical key was imported, or DNS answered;
 * - signatures checked with a key whose archived record has changed since (marked compromised);
 * - every message whose verdict an older version of the rules computed.
 * A message selected once is not selected again after its re-verification: its evidence then matches the archive.
 */
import type { ArchivedKey, KeyArchive } from '../ports/key-archive.ts';
import type { SelectorUse, VerdictStore } from '../ports/verdict-store.ts';
import { RULES_VERSION, type ChangeCause } from '../verdict/contract.ts';

export interface SelectionScope {
  /** Only this dump's messages. */
  dumpId?: string;
  /** Only signatures by these selectors (what a key import touched), and no rules check; all seen selectors when absent. */
  selectors?: readonly { domain: string; selector: string }[];
  /** The rules version verdicts should have (default: this build's). */
  rulesVersion?: number;
}

/** Affected messages: dump id → locator key → why it must be re-verified. */
export type Selection = Map<string, Map<string, ChangeCause>>;

/** Statuses a key that turns up later can change: nothing could be checked for want of a usable key. */
const WAITING_FOR_A_KEY = new Set(['key-unavailable', 'dns-error', 'key-revoked']);

export async function selectAffected(store: VerdictStore, archive: KeyArchive, scope: SelectionScope = {}): Promise<Selection> {
  const selection: Selection = new Map();
  const add = (dumpId: string, locator: string, cause: ChangeCause) => {
    if (scope.dumpId !== undefined && dumpId !== scope.dumpId) return;
    let dump = selection.get(dumpId);
    if (!dump) selection.set(dumpId, (dump = new Map()));
    if (!dump.has(locator)) dump.set(locator, cause);
  };

  // A selection for some selectors (after a key import) is about those keys only.
  if (!scope.selectors) {
    const rulesVersion = scope.rulesVersion ?? RULES_VERSION;
    for (const dumpId of await store.dumpsBeforeRules(rulesVersion)) {
      if (scope.dumpId !== undefined && dumpId !== scope.dumpId) continue;
      for await (const locator of store.messagesBeforeRules(dumpId, rulesVersion)) add(dumpId, locator, 'rules-change');
    }
  }

  for await (const { domain, selector } of scope.selectors ?? store.seenSelectors()) {
    const keys = await archive.find(domain, selector);
    if (keys.length === 0) continue;
    for await (const use of store.selectorUses(domain, selector, scope.dumpId)) {
      const cause = causeFor(use, keys);
      if (cause) add(use.dumpId, use.locator, cause);
    }
  }
  return selection;
}

/** Why this signature's evidence is out of date with the archive, if it is. */
export function causeFor(use: SelectorUse, keys: readonly ArchivedKey[]): ChangeCause | null {
  if (WAITING_FOR_A_KEY.has(use.status)) {
    // A revoked record stays revoked: only another key for the selector can change the outcome.
    return keys.some((key) => key.value !== use.keyRecord) ? 'new-key' : null;
  }
  if (use.keyRecord === null) return null;
  const archived = keys.find((key) => key.value === use.keyRecord);
  if (!archived || (archived.compromisedAt ?? null) === use.keyCompromisedAt) return null;
  return archived.compromisedAt ? 'key-compromised' : 'key-changed';
}

/** How many messages a selection holds. */
export function selectionSize(selection: Selection): number {
  let size = 0;
  for (const dump of selection.values()) size += dump.size;
  return size;
}
