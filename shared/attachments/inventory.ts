import type { AttachmentInventory } from '../documents/contract.ts';
import type { SignatureEvidence } from '../verdict/contract.ts';

/**
 * Every MIME leaf of a message that is a file, with what the signatures' body hashes cover of it. Bounded (parts,
 * depth, decoded bytes); never throws: what could not be inventoried is said in `note`.
 * (Stub: the attachments inventory fills this in.)
 */
export async function inventoryAttachments(_message: Buffer, _signatures: readonly SignatureEvidence[]): Promise<AttachmentInventory> {
  return { attachments: [], note: null };
}
