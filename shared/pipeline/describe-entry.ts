import { displayHeaders, NO_DISPLAY_HEADERS } from '../message/display-headers.ts';
import type { EntryRecord, MessageHeaders } from '../ports/verdict-store.ts';
import type { VerifiedEntry } from './verify-entry.ts';

/** Decodes the display headers of a verified entry: the record as stored. */
export function describeEntry(verified: VerifiedEntry): EntryRecord {
  if (verified.kind === 'error') return verified;
  const { displayFields, ...record } = verified;
  // A worker thread's reply arrives structured-cloned: the Buffer is a plain Uint8Array again.
  const fields = Buffer.from(displayFields.buffer, displayFields.byteOffset, displayFields.byteLength);
  const headers = displayedOrNone(fields);
  return { ...record, ...headers };
}

/** The decoded display headers, or none when the decoder throws (display only: the verdict stands either way). */
function displayedOrNone(fields: Buffer): MessageHeaders {
  try {
    return displayHeaders(fields);
  } catch {
    return NO_DISPLAY_HEADERS;
  }
}
