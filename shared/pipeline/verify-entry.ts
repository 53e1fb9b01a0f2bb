import { createHash } from 'node:crypto';
import { splitMessage } from '../dkim/header-fields.ts';
import type { MessageEntry } from '../dump/entry.ts';
import { messageForensics } from '../forensics/message-forensics.ts';
import { displayFieldsOf } from '../message/display-fields.ts';
import type { EntryRecord, MessageHeaders } from '../ports/verdict-store.ts';
import { judgedHeaderSection, type MessageVerifier } from '../verify/verify-message.ts';

/** A verified entry whose display headers are still raw: the header fields people read, as they were sent. */
export type VerifiedEntry =
  | (Omit<Extract<EntryRecord, { kind: 'message' }>, keyof MessageHeaders> & { displayFields: Buffer })
  | Extract<EntryRecord, { kind: 'error' }>;

/**
 * The per-message unit of work, the same wherever it runs (a local worker thread, a Lambda): fingerprint the
 * original bytes and verify them. Decoding the display headers is a separate step (describe-entry.ts) so a host can
 * run it elsewhere: locally the splitting thread has time to spare, and keeping mailparser out of the
 * verifying threads saves each of them its memory.
 */
export async function verifyEntry(entry: MessageEntry, verifier: MessageVerifier, at: Date): Promise<VerifiedEntry> {
  const sha256 = createHash('sha256').update(entry.bytes).digest('hex');
  const verdict = await verifier.verify(entry, at);
  if (verdict.verdict === 'error') return { kind: 'error', locator: entry.locator, sha256, detail: verdict.detail ?? 'parse error' };
  // What is shown and examined is the header section the verdict judged (an Outlook item's transport headers).
  const fields = splitMessage(judgedHeaderSection(entry) ?? entry.bytes).fields;
  const forensics = messageForensics(fields, verdict.signatures, at);
  return { kind: 'message', locator: entry.locator, sha256, ...verdict, arc: verdict.arc ?? null, forensics, history: [], displayFields: displayFieldsOf(fields) };
}
