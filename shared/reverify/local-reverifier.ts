/**
 * Re-verification on one machine, as `leakproof reverify` and `leakproof serve` run it: the local store and
 * archive, the dump files where they were ingested from, DNS unless offline.
 */
import type { LocalHome } from '../adapters/local/local-home.ts';
import { archiveFirstResolver, memoized } from '../keys/archive-first-resolver.ts';
import { systemTxtLookup } from '../keys/dns-key-lookup.ts';
import type { Reverifier } from '../ports/reverifier.ts';
import { createVerifier } from '../verify/verify-message.ts';
import { readStoredMessages } from './local-message-source.ts';
import { runReverification, type ReverificationOptions, type ReverificationSummary } from './run-reverification.ts';
import { selectAffected, selectionSize } from './select-affected.ts';

export interface LocalRunOptions extends Pick<ReverificationOptions, 'scope' | 'onSelected' | 'onChecked'> {
  offline: boolean;
}

export function runLocalReverification(local: LocalHome, options: LocalRunOptions): Promise<ReverificationSummary> {
  const now = () => new Date();
  // A fresh resolver per run: keys imported since the last run must be seen.
  const resolver = memoized(archiveFirstResolver({ archive: local.archive, dns: options.offline ? null : systemTxtLookup(), now }));
  return runReverification({ ...options, store: local.store, archive: local.archive, verifier: createVerifier(resolver), readMessages: readStoredMessages, now });
}

/** The Reverifier port over a local home: a dump's run happens on the spot. */
export function localReverifier(local: LocalHome, options: { offline: boolean }): Reverifier {
  return {
    async reverifyDump(dumpId) {
      const summary = await runLocalReverification(local, { offline: options.offline, scope: { dumpId } });
      return { dumpId, status: 'done', selected: summary.selected, changed: summary.changed };
    },
    async keysImported(selectors) {
      const selection = await selectAffected(local.store, local.archive, { selectors });
      return { affected: selectionSize(selection), dumps: [...selection.keys()], queued: false };
    },
  };
}
