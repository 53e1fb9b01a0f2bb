import { displayHeaders, NO_DISPLAY_HEADERS } from '../message/display-headers.ts';
import type { EntryRecord } from '../ports/verdict-store.ts';
import type { VerifiedEntry } from './verify-entry.ts';

/** Decodes the display headers of a verified entry: the record as stored. */
export async function describeEntry(verified: VerifiedEntry): Promise<EntryRecord> {
  if (verified.kind === 'error') return verified;
  const { displayFields, ...record } = verified;
  // A worker thread's reply arrives structured-cloned: the Buffer is a plain Uint8Array again.
  const fields = Buffer.from(displayFields.buffer, displayFields.byteOffset, displayFields.byteLength);
  const headers = await displayHeaders(fields).catch(() => NO_DISPLAY_HEADERS);
  return { ...record, ...headers };
}
