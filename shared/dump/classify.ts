/**
 * Decides what a file inside a dump is from its path and first bytes: a message, an mbox, a zip, a document (any
 * other file of content), or something to skip because it is not content (with the reason a reader of the report
 * will see). Content wins over names where the two disagree.
 */
import { zipPackageKind } from './zip-package.ts';

export type Classification =
  | { kind: 'message' }
  | { kind: 'mbox' }
  | { kind: 'zip' }
  /** An archive or compressed file other than zip, read through containers.ts. */
  | { kind: 'archive'; format: ArchiveFormat }
  /** An Outlook data file (.pst/.ost) or item (.msg), read through containers.ts. */
  | { kind: 'outlook'; format: 'pst' | 'msg' }
  /** A file of content that is not mail: a spreadsheet, a PDF, a photo, an OOXML/ODF/EPUB/JAR package. */
  | { kind: 'document' }
  | { kind: 'skipped'; reason: string }
  /** Named as a message but not one: an error entry (parse-error), not a quiet skip — it may be a damaged message. */
  | { kind: 'unreadable'; reason: string };

/** tar and gzip are streamed; the others are read through 7-Zip (seven-zip.ts). */
export type ArchiveFormat = 'tar' | 'gzip' | '7z' | 'rar' | 'bzip2' | 'xz';

/**
 * Compressed single files are unwrapped under these names (or none) only: a gzip-compressed document (.svgz, .emz)
 * is a document, kept as its bytes stand.
 */
const COMPRESSED_FILE_EXTENSIONS: Record<string, Set<string>> = {
  gzip: new Set(['gz', 'tgz', 'gzip', 'tar']),
  bzip2: new Set(['bz2', 'tbz', 'tbz2', 'tar']),
  xz: new Set(['xz', 'txz', 'tar']),
};

/** How many leading bytes classify() needs to see. */
export const SNIFF_BYTES = 4096;

/** Extensions that promise exactly one message per file. */
const SINGLE_MESSAGE_EXTENSIONS = new Set(['eml', 'msg822', 'msg']);
/** Extensions under which a message is commonly saved (besides none at all); .txt may also be an mbox archive. */
const MESSAGE_EXTENSIONS = new Set([...SINGLE_MESSAGE_EXTENSIONS, 'txt']);
const MBOX_EXTENSIONS = new Set(['mbox', 'mbx']);

interface Magic {
  type: string;
  bytes: Buffer;
  at?: number;
}

const MAGICS: Magic[] = [
  { type: 'zip', bytes: Buffer.from('PK\x03\x04', 'latin1') },
  { type: 'zip', bytes: Buffer.from('PK\x05\x06', 'latin1') },
  { type: 'pst', bytes: Buffer.from('!BDN', 'latin1') },
  { type: 'ole2', bytes: Buffer.from('d0cf11e0a1b11ae1', 'hex') },
  { type: 'pdf', bytes: Buffer.from('%PDF-', 'latin1') },
  { type: 'png', bytes: Buffer.from('\x89PNG\r\n\x1a\n', 'latin1') },
  { type: 'jpeg', bytes: Buffer.from('ffd8ff', 'hex') },
  { type: 'gif', bytes: Buffer.from('GIF8', 'latin1') },
  { type: 'tiff', bytes: Buffer.from('II*\x00', 'latin1') },
  { type: 'tiff', bytes: Buffer.from('MM\x00*', 'latin1') },
  { type: 'gzip', bytes: Buffer.from('1f8b', 'hex') },
  { type: 'bzip2', bytes: Buffer.from('BZh', 'latin1') },
  { type: 'xz', bytes: Buffer.from('fd377a585a00', 'hex') },
  { type: '7z', bytes: Buffer.from('377abcaf271c', 'hex') },
  { type: 'rar', bytes: Buffer.from('Rar!\x1a\x07', 'latin1') },
  { type: 'tar', bytes: Buffer.from('ustar', 'latin1'), at: 257 },
  { type: 'rtf', bytes: Buffer.from('{\\rtf', 'latin1') },
  { type: 'elf', bytes: Buffer.from('\x7fELF', 'latin1') },
  { type: 'mp4', bytes: Buffer.from('ftyp', 'latin1'), at: 4 },
];

const FROM_LINE = Buffer.from('From ', 'latin1');

/** A field name (printable ASCII but ':') followed by ':' at the very start, as RFC 5322 header fields are. */
const HEADER_FIELD_START = /^[\x21-\x39\x3b-\x7e]+:/;

/** Maildir's ":2,FLAGS" info suffix (and the rarely seen ":1,"). */
const MAILDIR_INFO = /:[12],[A-Za-z]*$/;

export function classify(path: string, head: Buffer): Classification {
  const junk = junkReason(path);
  if (junk !== undefined) return skipped(junk);
  if (head.length === 0) return skipped('empty file');

  const ext = extensionOf(path);
  const magic = MAGICS.find((candidate) => matchesAt(head, candidate.bytes, candidate.at ?? 0));
  // OOXML, ODF, EPUB and JAR are zips, but one file of content each: documents, not containers.
  if (magic?.type === 'zip') return zipPackageKind(head) === null ? { kind: 'zip' } : { kind: 'document' };
  if (magic?.type === 'pst' || ext === 'pst' || ext === 'ost') return { kind: 'outlook', format: 'pst' };
  if (magic?.type === 'ole2' && ext === 'msg') return { kind: 'outlook', format: 'msg' };
  const archive = archiveFormat(magic?.type, ext);
  if (archive !== undefined) return { kind: 'archive', format: archive };
  if (matchesAt(head, FROM_LINE, 0)) {
    // A file named as one message is one message even with an envelope line on top (as `notmuch insert` and
    // procmail save them): splitting it would cut it at any unquoted "From " line in its body, such as the
    // one starting a `git format-patch` attachment. Other names (none: Thunderbird; .txt: Mailman) are mboxes.
    return isSingleMessageName(path, ext) ? { kind: 'message' } : { kind: 'mbox' };
  }
  // An .mbox without a leading "From " line: the mbox reader decides whether its start is a message.
  if (ext !== undefined && MBOX_EXTENSIONS.has(ext) && magic === undefined && !isBinary(head)) return { kind: 'mbox' };
  if (mayHoldMessage(path, ext) && looksLikeHeader(head)) return { kind: 'message' };
  if (isSingleMessageName(path, ext)) {
    return { kind: 'unreadable', reason: `not an RFC 5322 message: no header field at its start (${magic?.type ?? (isBinary(head) ? 'binary' : 'text')})` };
  }
  return { kind: 'document' };
}

function archiveFormat(type: string | undefined, ext: string | undefined): ArchiveFormat | undefined {
  if (type === 'tar' || type === '7z' || type === 'rar') return type;
  if (type === undefined) return ext === 'tar' ? 'tar' : undefined;
  const compressed = COMPRESSED_FILE_EXTENSIONS[type];
  return compressed !== undefined && (ext === undefined || compressed.has(ext)) ? (type as ArchiveFormat) : undefined;
}

/** OS litter that is never mail and never worth a second look. Decided by path alone, so nothing is read. */
export function junkReason(path: string): string | undefined {
  const segments = path.split('/');
  const name = segments[segments.length - 1] ?? '';
  if (segments.includes('__MACOSX')) return 'macOS metadata (__MACOSX/)';
  if (name === '.DS_Store') return 'macOS metadata (.DS_Store)';
  if (name.startsWith('._')) return 'macOS metadata (AppleDouble ._ file)';
  const lower = name.toLowerCase();
  if (lower === 'thumbs.db' || lower === 'desktop.ini') return `Windows metadata (${name})`;
  // A mail server's own bookkeeping beside a maildir (Dovecot's uid lists and indexes, Courier's): never content.
  if (lower.startsWith('dovecot') || lower.startsWith('courierimap') || lower === 'maildirfolder') return `mail server index (${name})`;
  return undefined;
}

/** Whether the bytes start the way a message's header does: "Field-Name:" on the first line. */
export function looksLikeHeader(bytes: Buffer): boolean {
  const lineEnd = bytes.indexOf(0x0a);
  const firstLine = bytes.subarray(0, lineEnd === -1 ? bytes.length : lineEnd).toString('latin1');
  return HEADER_FIELD_START.test(firstLine);
}

/** Names under which a message may be stored: no extension, a message extension, or a maildir file name. */
function mayHoldMessage(path: string, ext: string | undefined): boolean {
  return ext === undefined || MESSAGE_EXTENSIONS.has(ext) || isMaildirName(path);
}

function isSingleMessageName(path: string, ext: string | undefined): boolean {
  return (ext !== undefined && SINGLE_MESSAGE_EXTENSIONS.has(ext)) || isMaildirName(path);
}

function isMaildirName(path: string): boolean {
  const segments = path.split('/');
  const parent = segments[segments.length - 2];
  // Maildir unique names often end in a host name ("1202135443.V805I1.mail.example.com"), which looks like
  // an extension; inside cur/ and new/ any name is a message name.
  return MAILDIR_INFO.test(segments[segments.length - 1] ?? '') || parent === 'cur' || parent === 'new';
}

/**
 * The lower-cased extension of the file's name, ignoring maildir info, or undefined. A numeric suffix is not
 * an extension: maildir names like "1382298587.002228" have none.
 */
export function extensionOf(path: string): string | undefined {
  const name = (path.split('/').pop() ?? '').replace(MAILDIR_INFO, '');
  const match = /\.([A-Za-z0-9]{1,10})$/.exec(name);
  if (match === null || match.index === 0 || !/[A-Za-z]/.test(match[1] ?? '')) return undefined;
  return match[1]?.toLowerCase();
}

function isBinary(head: Buffer): boolean {
  return head.includes(0);
}

function matchesAt(head: Buffer, bytes: Buffer, at: number): boolean {
  return head.length >= at + bytes.length && head.subarray(at, at + bytes.length).equals(bytes);
}

function skipped(reason: string): Classification {
  return { kind: 'skipped', reason };
}
