import { createHash } from 'node:crypto';
import { inventoryAttachments, type FileToDescribe } from '../attachments/inventory.ts';
import { splitMessage } from '../dkim/header-fields.ts';
import type { MessageEntry } from '../dump/entry.ts';
import { messageForensics } from '../forensics/message-forensics.ts';
import { displayFieldsOf, unsignedShownFields } from '../message/display-fields.ts';
import type { EntryRecord, MessageHeaders } from '../ports/verdict-store.ts';
import { judgedHeaderSection, type MessageVerifier } from '../verify/verify-message.ts';

/**
 * A verified entry whose display headers are still raw (the header fields people read, as they were sent), and
 * whose files' metadata is still to be read (`toDescribe`: the decoded bytes of each file with a reader).
 */
export type VerifiedEntry =
  | (Omit<Extract<EntryRecord, { kind: 'message' }>, keyof MessageHeaders> & { displayFields: Buffer; toDescribe: FileToDescribe[] })
  | Extract<EntryRecord, { kind: 'error' }>;

/**
 * The per-message unit of work, the same wherever it runs (a local worker thread, a Lambda): fingerprint the
 * original bytes, verify them, and inventory the message's files (with what its signatures cover of each, which
 * needs the bytes and the evidence together). Decoding the display headers and reading the files' metadata are
 * a separate step (describe-entry.ts) so a host can run it elsewhere: locally the splitting thread has time to
 * spare, and keeping mailparser, pdf.js and the other metadata readers out of the verifying threads saves each of
 * them loading them, and their memory.
 */
export async function verifyEntry(entry: MessageEntry, verifier: MessageVerifier, at: Date): Promise<VerifiedEntry> {
  const sha256 = createHash('sha256').update(entry.bytes).digest('hex');
  const verdict = await verifier.verify(entry, at);
  if (verdict.verdict === 'error') return { kind: 'error', locator: entry.locator, sha256, detail: verdict.detail ?? 'parse error' };
  // What is shown and examined is the header section the verdict judged (an Outlook item's transport headers).
  const judged = judgedHeaderSection(entry) ?? entry.bytes;
  const split = splitMessage(judged);
  const fields = split.fields;
  const forensics = messageForensics(fields, verdict.signatures, at);
  // The files are those of the bytes as read (an Outlook item's rebuild too: its signatures checked no body, so
  // they cover none of them); the header section is split once when it is the message's own.
  const { attachments, note, toDescribe } = await inventoryAttachments(entry.bytes, verdict.signatures, judged === entry.bytes ? split : undefined, { deferMetadata: true });
  return {
    kind: 'message', locator: entry.locator, sha256, ...verdict, arc: verdict.arc ?? null, forensics,
    attachments, attachmentsNote: note, history: [], displayFields: displayFieldsOf(fields), toDescribe, unsignedShown: unsignedShownFields(fields, verdict.signatures),
  };
}
