import { createHash } from 'node:crypto';
import { splitMessage } from '../dkim/header-fields.ts';
import type { MessageEntry } from '../dump/entry.ts';
import { displayHeaders } from '../message/display-headers.ts';
import type { EntryRecord } from '../ports/verdict-store.ts';
import type { MessageVerifier } from '../verify/verify-message.ts';

/**
 * The per-message unit of work, the same wherever it runs (a local worker thread, a Lambda): fingerprint the
 * original bytes, verify them, and decode the headers people read beside the verdict.
 */
export async function verifyEntry(entry: MessageEntry, verifier: MessageVerifier, at: Date): Promise<EntryRecord> {
  const sha256 = createHash('sha256').update(entry.bytes).digest('hex');
  const verdict = await verifier.verify(entry, at);
  if (verdict.verdict === 'error') return { kind: 'error', locator: entry.locator, sha256, detail: verdict.detail ?? 'parse error' };
  const headers = await displayHeaders(splitMessage(entry.bytes).fields).catch(() => ({
    messageId: null,
    from: null,
    date: null,
    subject: null,
  }));
  return { kind: 'message', locator: entry.locator, sha256, ...headers, ...verdict };
}
