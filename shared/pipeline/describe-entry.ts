import { metadataOf } from '../attachments/inventory.ts';
import { discardFile } from '../mime/decode-body.ts';
import { displayHeaders, NO_DISPLAY_HEADERS } from '../message/display-headers.ts';
import type { EntryRecord, MessageHeaders } from '../ports/verdict-store.ts';
import type { VerifiedEntry } from './verify-entry.ts';

/**
 * The record as stored: decodes a verified entry's display headers and reads the metadata of its files that
 * verifying left to this step (their bytes are then let go).
 */
export async function describeEntry(verified: VerifiedEntry): Promise<EntryRecord> {
  if (verified.kind === 'error') return verified;
  const { displayFields, toDescribe, ...record } = verified;
  for (const { attachment, bytes } of toDescribe) {
    const file = record.attachments[attachment]!;
    file.metadata = await metadataOf(asBuffer(bytes), file.detectedType, file.name, file.sha256);
    discardFile(bytes); // read, and held by nothing else: its memory goes back now, not at the next collection
  }
  return { ...record, ...displayedOrNone(asBuffer(displayFields)) };
}

/** The bytes as a Buffer: a worker thread's reply arrives structured-cloned, its Buffers plain Uint8Arrays. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The decoded display headers, or none when the decoder throws (display only: the verdict stands either way). */
function displayedOrNone(fields: Buffer): MessageHeaders {
  try {
    return displayHeaders(fields);
  } catch {
    return NO_DISPLAY_HEADERS;
  }
}
