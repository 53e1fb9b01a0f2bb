/** file-type, loaded the first time a file's type is asked (~60 ms a thread): most messages carry no file. */
let fileType: Promise<typeof import('file-type')> | undefined;

/**
 * Bytes worth handing detectType from a file's start: file-type decides most formats in the first 4 KB, but
 * tells OOXML/ODF/EPUB from a plain zip by the member names it walks past, which can sit further in.
 */
export const DETECT_BYTES = 64 * 1024;

/**
 * The media type a file's bytes show, from its magic bytes (file-type), or null when they show none (plain text,
 * unknown formats). Pass the whole file or at least its first DETECT_BYTES.
 */
export async function detectType(bytes: Uint8Array): Promise<string | null> {
  fileType ??= import('file-type');
  const { fileTypeFromBuffer } = await fileType;
  const found = await fileTypeFromBuffer(bytes.subarray(0, DETECT_BYTES)).catch(() => undefined);
  return found?.mime ?? null;
}
