import { createHash } from 'node:crypto';
import { splitMessage, type SplitMessage } from '../dkim/header-fields.ts';
import type { AttachmentInventory, AttachmentRecord, FileMetadata } from '../documents/contract.ts';
import { detectType } from '../documents/detect-type.ts';
import { hasMetadataReader, readMetadata } from '../documents/metadata/read-metadata.ts';
import { decodedSizeBound, decodeFile, discardDecoded } from '../mime/decode-body.ts';
import { MAX_DECODED_BYTES } from '../mime/limits.ts';
import { walkMime, type MimeLeaf } from '../mime/mime-tree.ts';
import { isFilePart } from '../mime/part-role.ts';
import type { SignatureEvidence } from '../verdict/contract.ts';
import { Coverage } from './coverage.ts';

/** A file whose metadata is still to be read (readMetadata), by whoever holds the inventory: its decoded bytes. */
export interface FileToDescribe {
  /** Its place in the inventory's `attachments`. */
  attachment: number;
  bytes: Buffer;
}

export interface InventoryOptions {
  /**
   * Leave the metadata of files that have a reader (PDF, OOXML, ODF, images) to the caller, in `toDescribe`,
   * instead of reading it here: a verifying thread then never loads pdf.js and the other readers, and the thread
   * that stores records reads each file once, with one cache for the whole dump (see describeEntry).
   */
  deferMetadata?: boolean;
}

/**
 * Every MIME leaf of a message that is a file (see isFilePart), with what the signatures' body hashes cover of
 * it (see coverage.ts). Bounded (parts, depth, decoded bytes); never throws: what could not be inventoried is
 * said in `note`. An attached message (message/rfc822) is one file: its own parts are not walked, and its
 * bytes are covered or not as a whole.
 *
 * Cheap for mail without files: a message whose leaves are all text decodes nothing. `root` is the message's
 * header section when the caller has split it already (the verifier has).
 */
export async function inventoryAttachments(
  message: Buffer,
  signatures: readonly SignatureEvidence[],
  root: SplitMessage = splitMessage(message),
  options: InventoryOptions = {},
): Promise<AttachmentInventory & { toDescribe: FileToDescribe[] }> {
  try {
    const walk = walkMime(message, root);
    const files = walk.leaves.filter(isFilePart);
    if (files.length === 0) return { attachments: [], note: walk.note, toDescribe: [] };
    const coverage = new Coverage(message, walk, signatures);
    const notes = walk.note === null ? [] : [walk.note];
    const attachments: AttachmentRecord[] = [];
    const toDescribe: FileToDescribe[] = [];
    let budget = MAX_DECODED_BYTES;
    for (const leaf of files) {
      const encoded = message.subarray(leaf.bodyStart, leaf.bodyEnd);
      if (decodedSizeBound(encoded.length, leaf.transferEncoding) > budget) {
        notes.push(`more than ${MAX_DECODED_BYTES} decoded bytes: the files from part ${leaf.path} on were not read`);
        break;
      }
      const { bytes, strictBase64 } = decodeFile(encoded, leaf.transferEncoding);
      budget -= bytes.length;
      const record = await recordOf(leaf, bytes, coverage.coveredBy(leaf, strictBase64));
      if (options.deferMetadata && hasMetadataReader(bytes.length, record.detectedType, record.name)) {
        // The bytes are handed on; a part read as it stands in the message is copied out of it first.
        toDescribe.push({ attachment: attachments.length, bytes: bytes.buffer === encoded.buffer ? Buffer.from(bytes) : bytes });
      } else {
        record.metadata = await metadataOf(bytes, record.detectedType, record.name, record.sha256);
        discardDecoded(bytes, encoded); // the record keeps the hash and the metadata, never the bytes
      }
      attachments.push(record);
    }
    notes.push(...coverage.notes);
    return { attachments, note: notes.length === 0 ? null : notes.join('; '), toDescribe };
  } catch (error) {
    // Nothing here is meant to throw; if something does, the message keeps its verdict and says why it has no list.
    return { attachments: [], note: `attachments not inventoried: ${(error as Error).message}`, toDescribe: [] };
  }
}

/** The file's record, its metadata not yet read. */
async function recordOf(leaf: MimeLeaf, bytes: Buffer, coveredBy: number[]): Promise<AttachmentRecord> {
  return {
    mimePath: leaf.path,
    name: leaf.name,
    declaredType: leaf.declaredType,
    detectedType: await detectType(bytes),
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    metadata: null,
    disposition: dispositionOf(leaf),
    coveredBy,
  };
}

/** The metadata of a file in an inventory (readMetadata, with the file's SHA-256 for its cache). */
export async function metadataOf(bytes: Buffer, detectedType: string | null, name: string | null, sha256: string): Promise<FileMetadata | null> {
  try {
    return await readMetadata(bytes, detectedType, name, sha256);
  } catch {
    return null; // readMetadata promises not to throw; a reader that does costs the file its metadata, not its record
  }
}

/**
 * As declared; without a declaration, a part of a multipart/related is an inline resource of the HTML body (an
 * embedded image), and any other file is an attachment, as mail readers show them.
 */
function dispositionOf(leaf: MimeLeaf): AttachmentRecord['disposition'] {
  if (leaf.disposition === 'attachment' || leaf.disposition === 'inline') return leaf.disposition;
  return leaf.container === 'multipart/related' ? 'inline' : 'attachment';
}
