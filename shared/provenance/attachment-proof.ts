/**
 * How far a stored message's signatures vouch for one of its attachments: the one test every provenance and
 * every export of an attachment goes through, so "proven" means the same everywhere.
 */
import type { AttachmentRecord } from '../documents/contract.ts';
import type { MessageRecord } from '../ports/verdict-store.ts';
import type { Reason, SignatureEvidence } from '../verdict/contract.ts';

export type AttachmentProof =
  /** A `verified` message, and a signature that verifies with no caveat covers the part whole. */
  | { level: 'proven'; signers: string[] }
  /**
   * Signed mail carries the part, but proves less: the message is only partially verified, or the part is covered
   * only by a signature with caveats, or by none because a verifying signature's l= stops before it
   * ('body-length-limit').
   */
  | { level: 'partial'; reasons: Reason[]; signers: string[] }
  /**
   * Nothing: the message failed, is unverified or unreadable, or no signature reaches the part for another cause
   * than an l= (an Outlook item's headers-only signatures, an unsigned structure, bytes mail readers read two
   * ways): signed mail vouches for none of its bytes.
   */
  | { level: 'none' };

export function attachmentProof(message: MessageRecord, attachment: AttachmentRecord): AttachmentProof {
  if (message.verdict !== 'verified' && message.verdict !== 'partially-verified') return { level: 'none' };
  const covering = coveringSignatures(message, attachment);
  const clean = covering.filter((signature) => signature.reasons.length === 0);
  if (message.verdict === 'verified' && clean.length > 0) return { level: 'proven', signers: signersOf(clean) };
  if (covering.length > 0) {
    const reasons = new Set<Reason>([...(message.verdict === 'partially-verified' ? message.reasons : []), ...covering.flatMap((signature) => signature.reasons)]);
    return { level: 'partial', reasons: [...reasons].sort(), signers: signersOf(covering) };
  }
  // Signed mail whose passing signature stops before this part (l=): the part could have been added after signing
  // (issue 11 §4 calls that partially proven). Any other cause leaves the part as unsigned as an unsigned message's.
  const limited = message.signatures.some((signature) => signature.status === 'pass' && signature.bodyHash === 'pass' && signature.reasons.includes('body-length-limit'));
  return limited ? { level: 'partial', reasons: ['body-length-limit'], signers: [] } : { level: 'none' };
}

/**
 * The signatures that verify (body hash and header signature) and whose body hash covers the part. The
 * inventory's indexes are checked against the evidence: an index that names no such signature covers nothing.
 */
function coveringSignatures(message: MessageRecord, attachment: AttachmentRecord): SignatureEvidence[] {
  const found: SignatureEvidence[] = [];
  for (const index of new Set(attachment.coveredBy)) {
    const signature = message.signatures[index];
    if (signature && signature.index === index && signature.status === 'pass' && signature.bodyHash === 'pass' && signature.headerSignature === 'pass') found.push(signature);
  }
  return found;
}

function signersOf(signatures: readonly SignatureEvidence[]): string[] {
  return [...new Set(signatures.flatMap((signature) => (signature.d ? [signature.d.toLowerCase()] : [])))].sort();
}
