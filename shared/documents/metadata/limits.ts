/**
 * Bounds of the metadata readers. They run for every attachment and document, on the verifying threads and in
 * Lambda, on bytes an adversary may have shaped: each bound keeps one file's cost small, and a file that crosses
 * one gets a `note` saying which, never an exception or an unbounded wait.
 */

/** Files larger than this are not read for metadata (the caller keeps size, type and hash). */
export const MAX_METADATA_INPUT_BYTES = 64 * 1024 * 1024;

/** A package's parts listed (and hashed) at most: real documents have tens to a few hundred. */
export const MAX_PACKAGE_PARTS = 2000;

/**
 * Bytes inflated, in total, to hash a package's parts. Each part is also held to the dump's inflation ratio
 * (shared/dump/limits.ts) while it inflates; this bounds the sum, so 2,000 parts just under the ratio cannot add
 * up to hashing gigabytes.
 */
export const MAX_PACKAGE_INFLATED_BYTES = 256 * 1024 * 1024;

/** A metadata XML part (core.xml, app.xml, meta.xml, XMP) larger than this is not parsed: real ones are a few KB. */
export const MAX_METADATA_XML_BYTES = 1024 * 1024;

/** XML nesting parsed at most: metadata is four or five levels deep. */
export const MAX_XML_DEPTH = 32;

/** A field's value is cut to this many characters. */
export const MAX_FIELD_CHARS = 512;

/** A PDF's metadata must be read within this time; past it the document is let go with a note. */
export const PDF_READ_TIMEOUT_MS = 5000;
