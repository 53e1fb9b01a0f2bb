/**
 * What a document entry of a dump is, as stored: its name, the type its bytes show and the metadata its format
 * carries, beside the size and SHA-256 the reader took. Metadata needs the whole file: a document larger than the
 * reader holds (MAX_DOCUMENT_HOLD_BYTES) keeps its type (told from its head) and says why it has no metadata.
 */
import { formatBytes } from '../dump/chunks.ts';
import { unescapePath, type DocumentEntry } from '../dump/entry.ts';
import { describeError } from '../dump/errors.ts';
import { MAX_DOCUMENT_HOLD_BYTES } from '../dump/limits.ts';
import type { DocumentRecord } from '../ports/verdict-store.ts';
import { detectType } from './detect-type.ts';
import { readMetadata } from './metadata/read-metadata.ts';

export async function describeDocument(entry: DocumentEntry): Promise<DocumentRecord> {
  const { locator, size, sha256, bytes, whole } = entry;
  const name = documentName(locator.path);
  const detectedType = await detectType(bytes);
  let metadata: DocumentRecord['metadata'] = null;
  let detail: string | null = null;
  if (!whole) detail = `larger than ${formatBytes(MAX_DOCUMENT_HOLD_BYTES)}: metadata not read`;
  else {
    // readMetadata promises never to throw; a reader that breaks that promise costs this document its metadata, not the run.
    try {
      metadata = await readMetadata(bytes, detectedType, name);
    } catch (error) {
      detail = `metadata unreadable: ${describeError(error)}`;
    }
  }
  return { kind: 'document', locator, name, declaredType: null, detectedType, size, sha256, metadata, detail, provenance: null };
}

/**
 * The file's name as it was written: the last name of its locator path ("a.zip!/x/Comptes%2317.xlsx" →
 * "Comptes#17.xlsx"), without the "@<offset>" a zip member sharing an earlier member's name is given (a real "@"
 * in a name is escaped, so any "@" left marks that suffix).
 */
export function documentName(path: string): string {
  const last = path.slice(path.lastIndexOf('/') + 1);
  const at = last.indexOf('@');
  return unescapePath(at === -1 ? last : last.slice(0, at));
}
