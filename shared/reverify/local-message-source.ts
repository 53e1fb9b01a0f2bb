/**
 * Where a local run re-reads stored messages: the dump where `leakproof ingest` read it. A dump that is one
 * file is addressed in place through the same locating the AWS workers use; a folder dump through the file that
 * holds each message.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileBlobStore } from '../adapters/local/file-blob-store.ts';
import { readItem } from '../dump/dispatch.ts';
import { locatorKey, unescapePath, type Locator, type MessageEntry } from '../dump/entry.ts';
import { describeError } from '../dump/errors.ts';
import { fileItem } from '../dump/item.ts';
import { groupByTopPath, locateUnits, readLocated } from '../fanout/locate-units.ts';
import type { MessageSource } from '../ports/message-source.ts';
import type { DumpRecord, VerdictStore } from '../ports/verdict-store.ts';
import { storedMessageSource } from './stored-message-source.ts';

/** The MessageSource port locally: a stored message read again from the file or folder it was ingested from. */
export function localMessageSource(store: VerdictStore): MessageSource {
  return storedMessageSource(store, readStoredMessages);
}

/** The stored messages at `locators`, read again from the dump's original bytes. */
export async function* readStoredMessages(dump: DumpRecord, locators: readonly Locator[]): AsyncGenerator<MessageEntry> {
  let stats;
  try {
    stats = await stat(dump.source);
  } catch (error) {
    throw new Error(`cannot re-read dump ${dump.name}: ${describeError(error)} (it was ingested from ${dump.source})`);
  }
  if (stats.isDirectory()) {
    yield* fromFolder(dump.source, locators);
    return;
  }
  const object = { blobs: new FileBlobStore(dirname(dump.source)), key: basename(dump.source), name: dump.name };
  yield* readLocated(object.blobs, object.key, await locateUnits(object, locators));
}

async function* fromFolder(root: string, locators: readonly Locator[]): AsyncGenerator<MessageEntry> {
  for (const [top, wanted] of groupByTopPath(locators)) {
    const keys = new Set(wanted);
    // Locator paths hold escaped names (see Locator); the file on disk has them as written.
    for await (const entry of readItem(fileItem(join(root, unescapePath(top)), top))) {
      if (entry.kind === 'message' && keys.has(locatorKey(entry.locator))) yield entry;
    }
  }
}
