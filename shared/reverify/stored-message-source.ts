/**
 * The MessageSource port over a dump's original bytes, whichever host keeps them: the store says where the dump
 * was read from and where in it the message lies (its locator as stored: an mbox message needs its length), and
 * the host's reader (a local file or folder, an S3 object) reads that one message again, as re-verification does.
 */
import { describeError } from '../dump/errors.ts';
import type { Locator, MessageEntry } from '../dump/entry.ts';
import type { MessageSource } from '../ports/message-source.ts';
import type { DumpRecord, VerdictStore } from '../ports/verdict-store.ts';

export type ReadMessages = (dump: DumpRecord, locators: readonly Locator[]) => AsyncIterable<MessageEntry>;

export function storedMessageSource(store: VerdictStore, readMessages: ReadMessages, log?: (line: string) => void): MessageSource {
  return {
    async read(dumpId, locator) {
      const dump = (await store.listDumps()).find((candidate) => candidate.id === dumpId);
      const entry = dump ? await store.getEntry(dumpId, locator) : null;
      if (!dump || entry?.kind !== 'message') return null;
      try {
        for await (const message of readMessages(dump, [entry.locator])) return message.bytes;
      } catch (error) {
        // A dump moved or deleted since it was ingested is "gone", not a failure of the request that asked.
        log?.(`leakproof: a stored message could not be read again: ${describeError(error)}`);
      }
      return null;
    },
  };
}
