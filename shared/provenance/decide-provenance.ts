/**
 * What the signed mail of the store proves about a document (issue 11 §4), decided from what the store found:
 * the attachments holding its bytes, and those with its name or document identity but other bytes. Pure: the
 * places are gathered by gather-places.ts, so the rules here are tested on fixtures alone.
 *
 * Verified must never lie: `proven` needs identical bytes in an attachment of a `verified` message that a
 * signature verifying with no caveat covers whole (attachmentProof). Anything weaker is at most
 * `partially-proven`; a copy in a failed or unverified message proves nothing at all.
 */
import { METADATA_FIELDS, type AttachmentRecord, type FieldDifference, type FileFacts, type FilePlace, type ProvenanceEvidence } from '../documents/contract.ts';
import type { MessageRecord } from '../ports/verdict-store.ts';
import type { Reason } from '../verdict/contract.ts';
import { attachmentProof } from './attachment-proof.ts';
import { provenanceSignals } from './signals.ts';

/** An attachment found by the store, with the message that carries it as stored. */
export interface CarriedCopy {
  place: FilePlace;
  message: MessageRecord;
  attachment: AttachmentRecord;
}

export interface ProvenanceInput {
  document: FileFacts;
  /** Attachments whose bytes are the document's (same SHA-256). */
  identical: readonly CarriedCopy[];
  /** Attachments with the document's name (case-insensitive) or document identity (documentId), other bytes. */
  namesakes: readonly CarriedCopy[];
  /** Author and last-modifier names on verified attachments, by organisational domain (VerdictStore.verifiedAuthors). */
  knownAuthors: ReadonlyMap<string, readonly string[]>;
  decidedAt: Date;
}

/** Most carriers an evidence lists: the first (earliest) ones; the detail route lists every place. */
export const MAX_CARRIERS = 20;

export function decideProvenance(input: ProvenanceInput): ProvenanceEvidence {
  const { document } = input;
  const identical = input.identical.filter((copy) => copy.attachment.sha256 === document.sha256);
  const decided = (provenance: ProvenanceEvidence['provenance'], carriers: CarriedCopy[], reasons: Reason[], differences: FieldDifference[]): ProvenanceEvidence => ({
    provenance,
    carriers: carriers.slice(0, MAX_CARRIERS).map((copy) => copy.place),
    reasons,
    differences,
    signals: provenanceSignals(document, carriers.slice(0, MAX_CARRIERS), input.knownAuthors),
    decidedAt: input.decidedAt.toISOString(),
  });

  const proving = byDate(identical.filter((copy) => attachmentProof(copy.message, copy.attachment).level === 'proven'));
  if (proving.length > 0) return decided('proven', proving, [], []);

  const partial = byDate(identical.filter((copy) => attachmentProof(copy.message, copy.attachment).level === 'partial'));
  if (partial.length > 0) {
    const reasons = new Set(partial.flatMap((copy) => {
      const proof = attachmentProof(copy.message, copy.attachment);
      return proof.level === 'partial' ? proof.reasons : [];
    }));
    return decided('partially-proven', partial, [...reasons].sort(), []);
  }

  // An altered copy is judged against a copy the signatures prove, never against one that is itself in doubt.
  const documentId = document.metadata?.fields.documentId ?? null;
  const sameIdentity = (copy: CarriedCopy) => documentId !== null && copy.attachment.metadata?.fields.documentId === documentId;
  const compared = byDate(
    input.namesakes.filter((copy) => copy.attachment.sha256 !== document.sha256 && (sameIdentity(copy) || sameName(copy.attachment.name, document.name)) && attachmentProof(copy.message, copy.attachment).level === 'proven'),
  ).sort((a, b) => Number(sameIdentity(b)) - Number(sameIdentity(a)));
  if (compared.length > 0) return decided('altered-copy', compared, [], fileDifferences(document, compared[0]!.attachment));

  return decided('unproven', [], [], []);
}

function sameName(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
}

/** Earliest carrying message first (undated last), then by place: the order evidence lists carriers in. */
function byDate(copies: CarriedCopy[]): CarriedCopy[] {
  const key = (copy: CarriedCopy) => `${copy.place.dumpId}\u0000${copy.place.locator}\u0000${copy.place.mimePath ?? ''}`;
  return [...copies].sort((a, b) => {
    const dates = (a.message.date ?? '\uffff').localeCompare(b.message.date ?? '\uffff');
    return dates !== 0 ? dates : key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  });
}

/**
 * How a document differs from the verified copy: size and detected type, every metadata field (absent on one
 * side counts), and for packages (OOXML, ODF) each part that one lacks or holds with another size or hash.
 */
export function fileDifferences(document: FileFacts, verified: FileFacts): FieldDifference[] {
  const differences: FieldDifference[] = [];
  const differ = (field: string, mine: string | null, theirs: string | null) => {
    if (mine !== theirs) differences.push({ field, document: mine, carrier: theirs });
  };
  differ('size', String(document.size), String(verified.size));
  differ('detectedType', document.detectedType, verified.detectedType);
  for (const field of METADATA_FIELDS) differ(field, document.metadata?.fields[field] ?? null, verified.metadata?.fields[field] ?? null);
  const mine = partsByName(document);
  const theirs = partsByName(verified);
  if (mine && theirs) {
    for (const name of [...new Set([...mine.keys(), ...theirs.keys()])].sort()) differ(`part:${name}`, mine.get(name) ?? null, theirs.get(name) ?? null);
  }
  return differences;
}

/** A package's parts as "size sha256" by name, or null when the file is not a package (or was not read as one). */
function partsByName(file: FileFacts): Map<string, string> | null {
  const parts = file.metadata?.parts;
  return parts ? new Map(parts.map((part) => [part.name, `${part.size} bytes, sha256 ${part.sha256}`])) : null;
}
