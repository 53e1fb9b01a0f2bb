/**
 * What a dump reader yields: every entry of a dump, each exactly once, as a message (its original bytes), a
 * document, a skipped entry, or an error with its reason — so a dump's counts always add up.
 */

/**
 * Where an entry lives inside a dump. `path` is the entry's path relative to the dump; crossing into a nested
 * container (a zip or mbox inside a zip) appends "!/" and the inner path. `offset`/`length` are byte positions
 * inside the innermost container when that container is an mbox: `offset` is where the message's "From " line
 * starts (0 for a message stored before the first "From " line), `length` runs from there to the end of the
 * stored message (the "From " line included, the blank separator line before the next "From " line excluded).
 *
 * Examples: "cur/1382298587.002228:2," (folder), "inbox.mbox" + offset (mbox), "folder/a.eml" (top-level zip),
 * "outer/inner.zip!/folder/a.eml" (zip in a folder), "mail.zip!/box.mbox" + offset (mbox in a zip in a zip).
 * Outlook items: "box.pst!/<folder names>/<node id>" (the node id makes it unique); a .msg is located at itself.
 * tar members as zip members, a duplicate name getting "@<its ordinal in the tar>"; a gzip layer adds nothing
 * ("a.tar.gz!/dir/b.eml", "box.mbox.gz" + offset into the inflated mbox); 7z/rar members as 7-Zip extracts them.
 * When the dump is a single file, that file's path is its base name. A zip member whose name an earlier member
 * already had gets "@<offset of its local header>" appended ("inbox/a.eml@81920"). An error about a zip archive
 * as a whole (its central directory, a cut archive) is located at the archive's inside, "<its path>!/", so it
 * stays apart from an error about reading the archive's own bytes ("<its path>").
 *
 * Every name in a path (file, folder and zip member names) goes through `escapeName`: the characters that
 * carry meaning here ("!" of "!/", "#" of the key's offset, "@" of the duplicate suffix, and "%" itself) and
 * control characters are percent-escaped, so whatever a hostile dump names its files, two entries never share
 * a path and the key stays printable. Ordinary names are unchanged.
 */
export interface Locator {
  path: string;
  offset?: number;
  length?: number;
}

/** What a path crosses into a nested container with: "outer.zip!/inner.eml". */
export const NESTING_MARK = '!/';

/** Where an error about a container as a whole is located: its inside, "<its path>!/". */
export function insideOf(containerPath: string): Locator {
  return { path: containerPath + NESTING_MARK };
}

/** A stable, printable key for a locator: "a/b.mbox#1234", "outer.zip!/inner.mbox#0", "cur/1:2,". */
export function locatorKey(locator: Locator): string {
  return locator.offset === undefined ? locator.path : `${locator.path}#${locator.offset}`;
}

/** Characters a name cannot keep as they are in a path (see Locator): %, !, #, @, and C0 controls and DEL. */
const ESCAPED_IN_NAMES = /[%!#@\x00-\x1f\x7f]/g;

/** A file, folder or member name as it stands in a locator path: "a#1.eml" → "a%231.eml", "a.eml" → "a.eml". */
export function escapeName(name: string): string {
  return name.replace(ESCAPED_IN_NAMES, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The names as written again, from a path (or part of one) made of escaped names: escapeName's inverse. */
export function unescapePath(path: string): string {
  return path.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

export interface MessageEntry {
  kind: 'message';
  locator: Locator;
  /**
   * The message exactly as it stands in the dump (for mbox: after undoing `>From ` quoting). For a deflated
   * zip member this is a getter that inflates on first use (and throws if the data is damaged).
   */
  bytes: Buffer;
  /**
   * A deflated zip member's compressed bytes: a worker pool ships these and inflates on the verifying thread
   * with `inflateMember` (zip-member.ts), so decompression runs on every core instead of the reading one.
   */
  deflated?: DeflatedMember;
  /**
   * mbox only: other readings of the same message that the quoting makes possible. The verifier tries them
   * when a body hash fails on `bytes`, and says which reading verified.
   *
   * Present only when the message has lines matching /^>+From / (`bytes` is then the reading 'unquoted-all').
   * There can be up to 63 readings, each a full copy of the message, so apart from 'as-stored' their `bytes`
   * are getters that build the reading on access (uncached): unread readings cost no memory.
   */
  alternateReadings?: MessageReading[];
  /**
   * Set when the message comes out of an Outlook file (.pst/.ost item, .msg). Outlook does not keep a message's
   * bytes: `bytes` is the header section Outlook kept, with the body re-built from the item's properties as MIME
   * (and the header's Content-Type, Content-Transfer-Encoding, MIME-Version and Content-Disposition replaced by
   * the re-built body's), so no body hash can hold over it, and a signature covering those fields fails over
   * `bytes` too.
   * `transportHeaders` is the header section exactly as Outlook stored it (PR_TRANSPORT_MESSAGE_HEADERS, as
   * UTF-8): what a DKIM signature's b= is checked against (headers only). null when the item never arrived by
   * mail (a draft, a sent item): its header section was written from its properties, and proves nothing.
   * The entry's SHA-256 is of `bytes`, as for any message (stable: the re-built body is deterministic).
   */
  outlook?: OutlookOrigin;
}

export interface OutlookOrigin {
  transportHeaders: Buffer | null;
}

export interface DeflatedMember {
  data: Buffer;
  /** Size and CRC-32 the archive records: the inflated bytes are checked against both. */
  size: number;
  crc32: number;
}

/** A message's size without inflating it. */
export function messageSize(entry: MessageEntry): number {
  return entry.deflated?.size ?? entry.bytes.length;
}

/** One way of reading a message's bytes, e.g. { name: 'as-stored' } or { name: 'unquoted-lines:1,3' }. */
export interface MessageReading {
  name: string;
  bytes: Buffer;
}

/**
 * A file of content that is not a message (a spreadsheet, a PDF, a photo): read once by the reader, which hashes
 * it whole and keeps what describing it needs (see shared/documents). Packages (OOXML, ODF, EPUB, JAR) are
 * documents, not containers.
 */
export interface DocumentEntry {
  kind: 'document';
  locator: Locator;
  size: number;
  /** SHA-256 of all its bytes, hex. */
  sha256: string;
  /** The whole file when it is small enough to read metadata from (MAX_DOCUMENT_HOLD_BYTES), else its first bytes. */
  bytes: Buffer;
  /** Whether `bytes` is the whole file. */
  whole: boolean;
}

export interface SkippedEntry {
  kind: 'skipped';
  locator: Locator;
  /** Why it is not content, e.g. "macOS metadata (.DS_Store)" or "empty file". */
  reason: string;
}

export interface ErrorEntry {
  kind: 'error';
  locator: Locator;
  /** One line naming what went wrong, e.g. "zip entry truncated: expected 5120 bytes, got 812". */
  reason: string;
}

export type DumpEntry = MessageEntry | DocumentEntry | SkippedEntry | ErrorEntry;
