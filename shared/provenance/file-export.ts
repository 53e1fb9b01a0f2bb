/**
 * The records of `leakproof export --documents`: one per loose document, with its provenance and evidence as
 * settled, and one per attachment of every message, with the message that carries it and what that message's
 * signatures prove of it (attachmentProof). Read from the store, dump by dump, page by page.
 */
import type { FileMetadata, Provenance, ProvenanceEvidence } from '../documents/contract.ts';
import { locatorKey } from '../dump/entry.ts';
import type { MessageRecord, VerdictStore } from '../ports/verdict-store.ts';
import type { Reason, Verdict } from '../verdict/contract.ts';
import { attachmentProof, type AttachmentProof } from './attachment-proof.ts';

/** One exported file: a document or an attachment (see README "Export format"). */
export interface FileExportRecord {
  dump: string;
  kind: 'document' | 'attachment';
  /** The document's locator, or the carrying message's. */
  locator: string;
  /** Attachments: the part's MIME path. */
  mimePath: string | null;
  name: string | null;
  declaredType: string | null;
  detectedType: string | null;
  size: number;
  sha256: string;
  /**
   * Documents: the provenance as settled (null: not decided). Attachments: what the carrying message proves of
   * the part: proven, partially-proven, or unproven (its message failed, is unverified or unreadable).
   */
  provenance: Provenance | null;
  /** Documents: the provenance's reasons. Attachments: the carrying message's reasons. */
  reasons: Reason[];
  /** Attachments: the carrying message's verdict and headers; null for documents. */
  verdict: Verdict | null;
  messageId: string | null;
  from: string | null;
  date: string | null;
  subject: string | null;
  /** Attachments: the d= of the verifying signatures that cover the part whole. */
  coveredBy: string[];
  metadata: FileMetadata | null;
  /** Documents: the ProvenanceEvidence (null: not decided). Attachments: the proof, with the inventory's note. */
  evidence: ProvenanceEvidence | { proof: AttachmentProof; coveredBySignatures: number[]; disposition: 'attachment' | 'inline'; attachmentsNote: string | null } | null;
}

const PAGE = 500;

export async function* fileExportRecords(store: VerdictStore, dumpId: string): AsyncGenerator<FileExportRecord> {
  for await (const locator of store.documentLocators(dumpId)) {
    const entry = await store.getEntry(dumpId, locator);
    if (entry?.kind !== 'document') continue;
    const { name, declaredType, detectedType, size, sha256, metadata, provenance } = entry;
    yield {
      dump: dumpId,
      kind: 'document',
      locator,
      mimePath: null,
      name,
      declaredType,
      detectedType,
      size,
      sha256,
      provenance: provenance?.provenance ?? null,
      reasons: provenance?.reasons ?? [],
      verdict: null,
      messageId: null,
      from: null,
      date: null,
      subject: null,
      coveredBy: [],
      metadata,
      evidence: provenance,
    };
  }
  let cursor: string | undefined;
  do {
    const page = await store.listMessages(dumpId, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    if (!page) return;
    for (const listed of page.messages) {
      const entry = await store.getEntry(dumpId, listed.locator);
      if (entry?.kind === 'message') yield* attachmentRecords(dumpId, entry);
    }
    cursor = page.cursor ?? undefined;
  } while (cursor);
}

function* attachmentRecords(dumpId: string, message: MessageRecord): Generator<FileExportRecord> {
  for (const attachment of message.attachments) {
    const proof = attachmentProof(message, attachment);
    const { name, declaredType, detectedType, size, sha256, metadata, mimePath, disposition } = attachment;
    yield {
      dump: dumpId,
      kind: 'attachment',
      locator: locatorKey(message.locator),
      mimePath,
      name,
      declaredType,
      detectedType,
      size,
      sha256,
      provenance: proof.level === 'proven' ? 'proven' : proof.level === 'partial' ? 'partially-proven' : 'unproven',
      reasons: message.reasons,
      verdict: message.verdict,
      messageId: message.messageId,
      from: message.from,
      date: message.date,
      subject: message.subject,
      coveredBy: proof.level === 'none' ? [] : proof.signers,
      metadata,
      evidence: { proof, coveredBySignatures: attachment.coveredBy, disposition, attachmentsNote: message.attachmentsNote },
    };
  }
}
