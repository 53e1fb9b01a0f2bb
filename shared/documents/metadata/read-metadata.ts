import type { FileMetadata } from '../contract.ts';
import { readExif } from './exif.ts';
import { MAX_METADATA_INPUT_BYTES } from './limits.ts';

type Reader = (bytes: Uint8Array) => Promise<FileMetadata>;

// Each reader's module (with fast-xml-parser, and the zip reader for packages) loads the first time its format
// appears, like the libraries it calls: a thread that meets no document of that format never pays for it.
const readPdf: Reader = async (bytes) => (await import('./pdf.ts')).readPdf(bytes);
const readOoxml: Reader = async (bytes) => (await import('./ooxml.ts')).readOoxml(bytes);
const readOdf: Reader = async (bytes) => (await import('./odf.ts')).readOdf(bytes);

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

/** Whether readMetadata has a reader for such a file (and reads it: it is not over MAX_METADATA_INPUT_BYTES). */
export function hasMetadataReader(size: number, detectedType: string | null, name: string | null): boolean {
  return size <= MAX_METADATA_INPUT_BYTES && readerFor(detectedType, name) !== null;
}

/**
 * The metadata of a file's bytes, by the reader made for its format (OOXML, ODF, PDF, EXIF), or null for a
 * format without one or a file over MAX_METADATA_INPUT_BYTES (its size, type and hash still stand). Never
 * throws: damage and caps become `note`. Each reader's library loads the first time its format appears.
 *
 * Given the bytes' SHA-256 (the caller has it), the answer is kept for the next time the same bytes come by on
 * this thread: a leak repeats its attachments (forwards, replies, copies of a mailbox), and reading a PDF or a
 * package costs milliseconds where hashing it again costs microseconds.
 */
export async function readMetadata(bytes: Uint8Array, detectedType: string | null, name: string | null, sha256?: string): Promise<FileMetadata | null> {
  const reader = readerFor(detectedType, name);
  if (reader === null || bytes.length > MAX_METADATA_INPUT_BYTES) return null;
  if (sha256 === undefined) return readWith(reader, bytes);
  const key = `${sha256} ${READER_NAMES.get(reader)}`;
  const known = recentlyRead.get(key);
  if (known) {
    recentlyRead.delete(key); // kept as most recently used
    recentlyRead.set(key, known);
    return structuredClone(known);
  }
  const read = await readWith(reader, bytes);
  recentlyRead.set(key, read);
  if (recentlyRead.size > RECENTLY_READ_ENTRIES) recentlyRead.delete(recentlyRead.keys().next().value!);
  return structuredClone(read);
}

async function readWith(reader: Reader, bytes: Uint8Array): Promise<FileMetadata> {
  try {
    return await reader(bytes);
  } catch (error) {
    // Readers catch their own failures; this is the backstop that keeps the promise.
    return { format: 'unknown', fields: {}, parts: null, note: `metadata unreadable: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 160)}` };
  }
}

/** The same bytes are read the same way by the same reader: the key is the SHA-256 and the reader. */
const READER_NAMES = new Map<Reader, string>([
  [readPdf, 'pdf'],
  [readExif, 'exif'],
  [readOoxml, 'ooxml'],
  [readOdf, 'odf'],
]);

/**
 * Answers kept per thread, least recently used first out. A record is a few hundred bytes (a package's part
 * list up to MAX_PACKAGE_PARTS entries, ~150 KB at worst), so this holds at most a few MB.
 */
const RECENTLY_READ_ENTRIES = 64;
const recentlyRead = new Map<string, FileMetadata>();
