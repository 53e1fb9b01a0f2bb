import type { FileMetadata } from '../contract.ts';

/**
 * The metadata of a file's bytes, by the reader made for its format (OOXML, ODF, PDF, OLE property sets, EXIF),
 * or null for a format without one. Never throws: damage and caps become `note`.
 * (Stub: the metadata readers fill this in.)
 */
export async function readMetadata(_bytes: Uint8Array, _detectedType: string | null, _name: string | null): Promise<FileMetadata | null> {
  return null;
}
