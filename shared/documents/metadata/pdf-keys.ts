/**
 * Whether a PDF can hold anything readPdf reads, found without parsing it: every source of its metadata is
 * named by a key written as plain text in the file.
 * - The Info dictionary and the /ID pair are named by the trailer, or by an xref stream's dictionary: both are
 *   never compressed (a stream's dictionary stands before its data; an xref stream may not sit in an object
 *   stream), so "/Info" and "/ID" are there as written.
 * - The XMP packet is named by the catalog's "/Metadata", in plain text unless the catalog sits in an object
 *   stream, whose dictionary then names "/First" (pdf.js reads no object stream without it).
 * A PDF naming none of these but naming its catalog (/Root) has no metadata pdf.js would return (it would give
 * empty fields, after reading the whole file to rebuild a missing xref, ~50 ms a MB): it is answered at once,
 * and pdf.js is not even loaded. A file naming no /Root either is left to pdf.js, which says what is wrong with
 * it ("Invalid PDF structure"), so damaged files keep their note. A file that spells these keys only with
 * #-escapes (`/In#66o`, legal but written by no PDF producer) is taken at its word and read as having none.
 *
 * One pass over the bytes (no regular expression on content).
 */
const name = (key: string) => Buffer.from(key, 'latin1');
const SOURCES = ['/Info', '/ID', '/Metadata', '/First'].map(name);
const ROOT = name('/Root');
const SLASH = 0x2f;

/** PDF white space and delimiters: what may follow a name for the name to end there (ISO 32000 §7.2.2). */
const ENDS_NAME = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

/** False when pdf.js would find no metadata in the file and no fault with it worth a note. */
export function worthOpening(bytes: Buffer): boolean {
  // One pass over the '/' that starts every name (a native byte search), not one search per key: half the time
  // on a PDF of megabytes, on the thread that reads every file's metadata.
  let root = false;
  for (let at = bytes.indexOf(SLASH); at >= 0; at = bytes.indexOf(SLASH, at + 1)) {
    if (SOURCES.some((key) => nameAt(bytes, at, key))) return true;
    root ||= nameAt(bytes, at, ROOT);
  }
  return !root;
}

/** The name occurs whole at `at`: "/ID" followed by a delimiter, not "/IDx" (random stream bytes hold "/ID" often). */
function nameAt(bytes: Buffer, at: number, name: Buffer): boolean {
  const next = at + name.length;
  if (next > bytes.length) return false;
  for (let i = 1; i < name.length; i++) if (bytes[at + i] !== name[i]) return false;
  return next === bytes.length || ENDS_NAME.has(bytes[next]!);
}
