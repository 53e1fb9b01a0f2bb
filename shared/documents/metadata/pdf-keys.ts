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
 * One `indexOf` pass per key over the bytes (native, no regular expression on content).
 */
const name = (key: string) => Buffer.from(key, 'latin1');
const SOURCES = ['/Info', '/ID', '/Metadata', '/First'].map(name);
const ROOT = name('/Root');

/** PDF white space and delimiters: what may follow a name for the name to end there (ISO 32000 §7.2.2). */
const ENDS_NAME = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

/** False when pdf.js would find no metadata in the file and no fault with it worth a note. */
export function worthOpening(bytes: Buffer): boolean {
  return SOURCES.some((key) => hasName(bytes, key)) || !hasName(bytes, ROOT);
}

/** The name occurs whole: "/ID" followed by a delimiter, not "/IDx" (random stream bytes hold "/ID" often). */
function hasName(bytes: Buffer, name: Buffer): boolean {
  for (let at = bytes.indexOf(name); at >= 0; at = bytes.indexOf(name, at + 1)) {
    const next = at + name.length;
    if (next === bytes.length || ENDS_NAME.has(bytes[next]!)) return true;
  }
  return false;
}
