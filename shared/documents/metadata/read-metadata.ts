import type { FileMetadata } from '../contract.ts';
import { readExif } from './exif.ts';
import { MAX_METADATA_INPUT_BYTES } from './limits.ts';
import { readOdf } from './odf.ts';
import { readOoxml } from './ooxml.ts';
import { readPdf } from './pdf.ts';

type Reader = (bytes: Uint8Array) => Promise<FileMetadata>;

// OOXML and ODF are zips: file-type names them by the member names it sees, or says application/zip when those
// sit past what it looked at; the extension then decides. Macro and template variants included.
const OOXML_EXTENSIONS = /\.(?:doc|dot|xls|xlt|ppt|pot|pps)[xm]$|\.xlsb$|\.xlam$|\.ppam$/i;
const ODF_EXTENSIONS = /\.(?:odt|ott|ods|ots|odp|otp|odg|otg|odf)$/i;
const EXIF_TYPES = new Set(['image/jpeg', 'image/tiff', 'image/heic', 'image/heif', 'image/avif', 'image/png', 'image/webp']);

function readerFor(detectedType: string | null, name: string | null): Reader | null {
  const type = detectedType ?? '';
  if (type === 'application/pdf') return readPdf;
  if (EXIF_TYPES.has(type)) return readExif;
  if (type.startsWith('application/vnd.openxmlformats-officedocument.') || /^application\/vnd\.ms-(?:word|excel|powerpoint)\..*macroenabled/i.test(type)) {
    return readOoxml;
  }
  if (type.startsWith('application/vnd.oasis.opendocument.')) return readOdf;
  if (type === 'application/zip' && name !== null) {
    if (OOXML_EXTENSIONS.test(name)) return readOoxml;
    if (ODF_EXTENSIONS.test(name)) return readOdf;
  }
  // Legacy Office (OLE compound files, application/x-cfb): no well-kept library reads their property sets;
  // they keep size, type and hash (see the metadata notes).
  return null;
}

/**
 * The metadata of a file's bytes, by the reader made for its format (OOXML, ODF, PDF, EXIF), or null for a
 * format without one or a file over MAX_METADATA_INPUT_BYTES (its size, type and hash still stand). Never
 * throws: damage and caps become `note`. Each reader's library loads the first time its format appears.
 */
export async function readMetadata(bytes: Uint8Array, detectedType: string | null, name: string | null): Promise<FileMetadata | null> {
  const reader = readerFor(detectedType, name);
  if (reader === null || bytes.length > MAX_METADATA_INPUT_BYTES) return null;
  try {
    return await reader(bytes);
  } catch (error) {
    // Readers catch their own failures; this is the backstop that keeps the promise.
    return { format: 'unknown', fields: {}, parts: null, note: `metadata unreadable: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 160)}` };
  }
}
