import { openLocalHome, resolveHome } from '../../shared/adapters/local/local-home.ts';
import { locatorOfMessageKey } from '../../shared/api/message-key.ts';
import { messageView } from '../../shared/message/message-view.ts';
import { readOriginal } from '../../shared/message/read-original.ts';
import type { MessageRecord, VerdictStore } from '../../shared/ports/verdict-store.ts';
import { variantsOf } from '../../shared/provenance/variants.ts';
import { localMessageSource } from '../../shared/reverify/local-message-source.ts';
import { findDumpId } from '../dump-id.ts';
import { showText, type ShownMessage } from '../show-text.ts';

/**
 * `leakproof show <message key or locator> [--dump ID] [--json]`: one message as evidence, from the local store
 * and the dump's bytes (read again, and shown only while they hash to what was verified).
 */
export async function showCommand(message: string, flags: { dump?: string; home?: string; json?: boolean }): Promise<number> {
  const local = openLocalHome(resolveHome(flags.home));
  try {
    const dumpId = (await findDumpId(local.store, flags.dump)) ?? (await local.store.listDumps())[0]?.id;
    if (dumpId === undefined) throw new Error('no dump has been ingested yet: run `leakproof ingest <path>` first');
    const record = await findMessage(local.store, dumpId, message);
    const messages = localMessageSource(local.store);
    const original = await readOriginal(messages, dumpId, record);
    const shown: ShownMessage = {
      dumpId,
      record,
      view: original.ok ? messageView(original.bytes, record) : null,
      unreadable: original.ok ? null : original.detail,
      variants: await variantsOf({ store: local.store, messages }, dumpId, record),
    };
    process.stdout.write((flags.json ? JSON.stringify(shown, null, 2) : showText(shown)) + '\n');
    return 0;
  } finally {
    local.close();
  }
}

/** The message by its locator as listed (inbox/1.eml, box.mbox#1234) or by the key the API and page use. */
async function findMessage(store: VerdictStore, dumpId: string, wanted: string): Promise<MessageRecord> {
  const byLocator = await store.getEntry(dumpId, wanted);
  const key = byLocator ? null : locatorOfMessageKey(wanted);
  const entry = byLocator ?? (key === null ? null : await store.getEntry(dumpId, key));
  if (entry?.kind === 'message') return entry;
  if (entry?.kind === 'error') throw new Error(`that entry could not be read as a message: ${entry.detail}`);
  throw new Error(`no message ${wanted} in dump ${dumpId.slice(0, 12)} (give a locator as \`leakproof export\` lists it, or a message key)`);
}
