/**
 * The MessageSource port locally: a stored message read again, by its locator key, from the file the dump was
 * ingested from (an mbox's byte range here, a zip member or a folder's file through the same reader as
 * re-verification); null when the message or the dump is gone.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalHome, type LocalHome } from '../../../shared/adapters/local/local-home.ts';
import { locatorKey, type MessageEntry } from '../../../shared/dump/entry.ts';
import { readDump } from '../../../shared/dump/open-dump.ts';
import { localMessageSource } from '../../../shared/reverify/local-message-source.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { dumpInput, messageEntry, sha256Of } from '../../helpers/store-records.ts';
import { useTempHome } from '../../helpers/temp-home.ts';

const DUMP = sha256Of('message source dump');
const temp = useTempHome('leakproof-message-source-');
let local: LocalHome;
let path: string;
let messages: MessageEntry[];

beforeEach(async () => {
  local = openLocalHome(temp.dir);
  path = join(temp.dir, 'box.mbox');
  const mbox = [1, 2, 3].map((n) => `From alice@campaign.example Thu May  4 10:00:00 2017\n${buildMessage({ messageId: `<${n}@campaign.example>`, eol: '\n' }).toString('latin1')}`).join('\n');
  writeFileSync(path, mbox, 'latin1');
  messages = [];
  for await (const entry of readDump(path)) if (entry.kind === 'message') messages.push(entry);
  await local.store.openDump(dumpInput(DUMP, { source: path, name: 'box.mbox' }), new Date());
  await local.store.putEntries(DUMP, messages.map((entry) => ({ ...messageEntry(entry.locator.path, {}), locator: entry.locator })));
});
afterEach(() => local.close());

describe('localMessageSource', () => {
  it('reads a stored message again from its dump by locator key', async () => {
    expect(messages).toHaveLength(3);
    const source = localMessageSource(local.store);
    for (const message of messages) expect(await source.read(DUMP, locatorKey(message.locator))).toEqual(message.bytes);
  });

  it('answers null for a message not stored, a dump not stored, and a dump file gone', async () => {
    const source = localMessageSource(local.store);
    expect(await source.read(DUMP, 'box.mbox#99999')).toBeNull();
    expect(await source.read(sha256Of('no such dump'), locatorKey(messages[0]!.locator))).toBeNull();
    rmSync(path);
    expect(await source.read(DUMP, locatorKey(messages[1]!.locator))).toBeNull();
  });
});
