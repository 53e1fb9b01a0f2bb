/**
 * A stored message's original bytes, read again from its dump, and only if they still hash to the SHA-256 recorded
 * when it was verified: what the message view is computed from and what the original download serves. Anything
 * else is an answer saying why (the verdict is about the recorded bytes, not about whatever the dump holds now).
 */
import { createHash } from 'node:crypto';
import { locatorKey } from '../dump/entry.ts';
import type { MessageSource } from '../ports/message-source.ts';
import type { MessageRecord } from '../ports/verdict-store.ts';

export type OriginalBytes =
  | { ok: true; bytes: Buffer; sha256: string }
  | { ok: false; why: 'no-source' | 'gone' | 'changed'; detail: string };

export async function readOriginal(messages: MessageSource | undefined, dumpId: string, record: MessageRecord): Promise<OriginalBytes> {
  if (!messages) return { ok: false, why: 'no-source', detail: 'this server cannot read the dumps again' };
  let bytes: Buffer | null;
  try {
    bytes = await messages.read(dumpId, locatorKey(record.locator));
  } catch {
    bytes = null;
  }
  if (!bytes) return { ok: false, why: 'gone', detail: 'the message could not be read again from its dump (moved or deleted since it was ingested?)' };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== record.sha256) return { ok: false, why: 'changed', detail: `the dump no longer holds the bytes that were verified (SHA-256 ${record.sha256}, now ${sha256})` };
  return { ok: true, bytes, sha256 };
}
