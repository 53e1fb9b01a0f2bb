import { SingleBar } from 'cli-progress';
import { openLocalHome, resolveHome, type LocalHome } from '../../shared/adapters/local/local-home.ts';
import { systemTxtLookup } from '../../shared/keys/dns-key-lookup.ts';
import type { KeyImportResult } from '../../shared/keys/key-import.ts';
import { runLocalReverification } from '../../shared/reverify/local-reverifier.ts';
import type { ReverificationSummary } from '../../shared/reverify/run-reverification.ts';
import { watchKeys } from '../../shared/reverify/key-watch.ts';
import { selectAffected, selectionSize } from '../../shared/reverify/select-affected.ts';
import { findDumpId } from '../dump-id.ts';
import { counted } from '../format.ts';

export interface ReverifyFlags {
  dump?: string;
  offline?: boolean;
  home?: string;
  json?: boolean;
}

/**
 * `leakproof reverify [--dump ID] [--offline]`: asks DNS again for every selector seen (unless offline), then
 * re-verifies the stored messages new keys, changed keys or newer rules affect. Counts only on the terminal.
 */
export async function reverifyCommand(flags: ReverifyFlags): Promise<number> {
  const local = openLocalHome(resolveHome(flags.home));
  try {
    const dumpId = await findDumpId(local.store, flags.dump);
    if (!flags.offline) {
      const watch = await watchKeys(local.store, local.archive, systemTxtLookup(), () => new Date());
      process.stderr.write(
        `keys: ${counted(watch.selectors, 'selector')} asked in DNS: ${counted(watch.added, 'new record')}, ${watch.stillPublished} still published, ` +
          `${watch.removed} no longer published, ${counted(watch.failed, 'lookup')} failed\n`,
      );
    }
    const progress = checkedCounter();
    const summary = await runLocalReverification(local, {
      offline: flags.offline ?? false,
      scope: dumpId === undefined ? {} : { dumpId },
      onSelected: progress.start,
      onChecked: progress.tick,
    });
    progress.stop();
    if (flags.json) process.stdout.write(JSON.stringify({ ...summary, transitions: Object.fromEntries(summary.transitions) }, null, 2) + '\n');
    else process.stdout.write(closingLine(summary) + '\n');
    return summary.unreadable > 0 ? 1 : 0;
  } finally {
    local.close();
  }
}

/** "reverify: 120 messages checked, 37 verdicts changed (35 unverified → verified, 2 verified → partially-verified)". */
export function closingLine(summary: ReverificationSummary): string {
  const transitions = [...summary.transitions].sort((a, b) => b[1] - a[1]).map(([transition, n]) => `${n} ${transition}`);
  const changed = `${summary.changed} ${summary.changed === 1 ? 'verdict' : 'verdicts'} changed${transitions.length > 0 ? ` (${transitions.join(', ')})` : ''}`;
  const unreadable = summary.unreadable > 0 ? `; ${summary.unreadable} could not be re-read from ${summary.unreadable === 1 ? 'its' : 'their'} dump` : '';
  const documents = summary.provenanceChanged > 0 ? `; ${summary.provenanceChanged} ${summary.provenanceChanged === 1 ? "document's provenance" : "documents' provenance"} changed` : '';
  const capped = summary.settleCapped > 0 ? ` (more documents matched than one batch settles again: the stored provenance of the rest may lag; their detail decides afresh)` : '';
  return `reverify: ${summary.checked} of ${counted(summary.selected, 'selected message')} checked, ${changed}${unreadable}${documents}${capped}`;
}

/** After a key import: how many stored messages the new keys affect, and the command that re-checks them. */
export async function reportKeyImpact(local: LocalHome, result: KeyImportResult): Promise<void> {
  if (result.imported === 0) return;
  const selection = await selectAffected(local.store, local.archive, { selectors: result.selectors });
  const affected = selectionSize(selection);
  if (affected === 0) return;
  process.stderr.write(`keys: ${affected} stored ${affected === 1 ? 'message is' : 'messages are'} affected by these keys: run \`leakproof reverify\` to re-check them\n`);
}

/** A bar of messages checked on a terminal; nothing on a pipe (the closing line says it all). */
function checkedCounter(stream: NodeJS.WriteStream = process.stderr) {
  const bar = stream.isTTY ? new SingleBar({ stream, format: 'reverify {bar} {value}/{total} messages', hideCursor: true, barsize: 24, fps: 5 }) : null;
  let started = false;
  return {
    start: (total: number) => {
      if (!bar || total === 0) return;
      bar.start(total, 0);
      started = true;
    },
    tick: () => {
      if (started) bar!.increment();
    },
    stop: () => {
      if (started) bar!.stop();
    },
  };
}
