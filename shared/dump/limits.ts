/**
 * Bounds that keep a hostile or broken dump from exhausting memory, disk or time, or from recursing forever.
 * Each is enforced while reading (never after the bytes are in memory); what crosses one becomes an `error`
 * entry saying which, and the rest of the dump is still read.
 */

/**
 * Messages are held whole, one at a time per stage (reading, waiting for a worker, verifying); anything
 * claiming to be a larger message (a mis-named video, a zip bomb, an mbox with no "From " lines, a 2 GB
 * "message") is an error instead of being read into memory. The number is set by the promise that a hostile
 * dump cannot take `leakproof ingest` past 300 MB of RSS: measured on a 2-core machine, a dump of 30 MB
 * messages peaks at 251 MB, of 47 MB messages at 310 MB (a message is held up to three times over between the
 * reader, the queue and a worker, on top of ~120 MB for the process and its threads). 32 MiB is above what
 * most mail systems deliver by default (Exchange Online 36 MB is the exception, Gmail receives up to 50 MB);
 * a larger message is reported as an error naming this limit, never read in part.
 */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/**
 * A deflated zip member may inflate to at most this many times its compressed size (past the floor below).
 * Real mail compresses far less: messages with base64 attachments 1.3–4×, plain-text mboxes 5–10×, a
 * mailing-list archive of near-identical notices a few tens; deflate itself tops out near 1,032×, which is
 * what bombs use. 100× lets every real member through and stops a bomb long before it is done.
 */
export const MAX_INFLATE_RATIO = 100;

/** Output any member may reach whatever its ratio: tiny, highly repetitive members (a 200-byte file of one character) are no threat. */
export const INFLATE_RATIO_FLOOR_BYTES = 1024 * 1024;

/** The most a deflated member of `compressedBytes` may inflate to. */
export function inflateLimit(compressedBytes: number): number {
  return Math.max(INFLATE_RATIO_FLOOR_BYTES, MAX_INFLATE_RATIO * compressedBytes);
}

/**
 * Disk that a dump's nested zips may take when copied out to temp files (a zip needs random access to its
 * central directory), added up over every nested zip of the dump at every depth and never given back while the
 * dump is read: it bounds the disk in use and, with the ratio limit, the total work of a nested bomb. A zip
 * inside a zip barely compresses again, so a real dump's nested zips add up to about the size of the zips that
 * hold them per level of nesting: each zip read in place (the dump's own file, a zip in a dumped folder) adds
 * twice its size, for two levels; the floor lets a small dump hold a large archive, the reason the budget
 * exists at all being that 1 MB of deflate can hold 1 GB.
 */
export const SPOOL_BUDGET_FLOOR_BYTES = 1024 * 1024 * 1024;
export const SPOOL_BYTES_PER_ZIP_BYTE = 2;

/** Containers inside containers ("a.zip!/b.zip!/c.zip!/…") deeper than this are not opened: zip quines exist. */
export const MAX_CONTAINER_DEPTH = 10;

/**
 * A document (a file of content that is not a message) is hashed whole as it streams, and held whole only up to
 * this size: its metadata is read from the bytes held (an OOXML/ODF package's central directory and a PDF's
 * trailer sit at the end, so metadata needs the whole file). A larger document keeps its size, SHA-256 and its
 * first bytes (enough for its type), and its record says its metadata was not read. One document is held at a
 * time, on the reading thread, which reads no further while it describes it; but joining the pieces briefly holds
 * it twice, and the reading thread's garbage is collected late. Measured with the bundle on a 2-core machine
 * (one-message baseline 163 MB): eight 16 MB documents peak at 225 MB; five 31 MB ones held under a 32 MiB bound
 * at 393 MB, three 62 MB ones under 64 MiB at 346 MB, past ingest's 300 MB promise. 16 MiB holds the office files
 * and PDFs mail carries (most systems refuse messages over 10–25 MB, base64 included); a larger loose file keeps
 * its hash and type, which is what provenance matches on. Raising it needs the join gone (a buffer of the
 * item's known size filled as it streams).
 */
export const MAX_DOCUMENT_HOLD_BYTES = 16 * 1024 * 1024;

/**
 * Working memory a .7z/.rar may declare for its decoders (the LZMA/LZMA2 dictionary, PPMd's model, RAR's window),
 * checked from 7-Zip's listing before anything is extracted. 7-Zip allocates what the archive declares inside its
 * WebAssembly heap, which grows up to 2 GiB and never shrinks, on the reading thread, and the window fills as it
 * decodes: a hostile archive could take the process far past ingest's 300 MB RSS promise (and a splitter Lambda
 * past its memory) well before the ratio or disk limits stop it. 64 MiB is what 7-Zip's own strongest preset
 * writes (-mx=9: LZMA2 with a 64 MiB dictionary; smaller presets and WinRAR's 32 MB default are below it; 7-Zip
 * writes a smaller dictionary still when the data is smaller), so archives made with ordinary settings read; one
 * made with a larger dictionary by choice is an error naming this limit (re-pack it with -mx=9 to read it).
 * Measured: the bench's 7z (16 MiB dictionary) added ~17 MB to ingest's peak RSS.
 */
export const MAX_ARCHIVE_CODER_MEMORY_BYTES = 64 * 1024 * 1024;

/**
 * The largest 7z header (its list of members, as decoded) read: 7-Zip decodes a compressed header whole into
 * memory before anything is listed, so a header honest about its dictionary but declaring 96 MiB took the
 * reading process to 423 MB, past the 300 MB ingest keeps to. 32 MiB lists about 200,000 members; a larger
 * archive is an error naming this limit (re-pack it as a zip or tar, which are read member by member).
 */
export const MAX_7Z_HEADER_BYTES = 32 * 1024 * 1024;
