/**
 * The MIME tree of a message, walked over its original bytes without copying them: every leaf with its IMAP
 * part number ("1", "1.2", …), its declared type, disposition, file name and transfer encoding, and where its
 * encoded body lies in the message. Nothing is decoded here.
 *
 * Linear and bounded. A multipart's delimiter lines are found with Buffer#indexOf over that multipart's own
 * range (no regular expression touches content), so each nesting level reads its bytes once; parts, depth and a
 * part's header section are capped (limits.ts). Reaching a cap stops the walk with a note; a malformed structure
 * (no boundary, a boundary never closed) is read as mail readers read it, with a note.
 */
import { asciiLowerCase, isWsp, trimFws } from '../dkim/ascii.ts';
import { fieldValue, splitMessage, type HeaderField, type SplitMessage } from '../dkim/header-fields.ts';
import { CR, LF } from '../dkim/octets.ts';
import { decodedName, parseContentHeader, type ContentHeader } from './content-header.ts';
import { MAX_BOUNDARY_CHARS, MAX_MIME_DEPTH, MAX_MIME_PARTS, MAX_PART_HEADER_BYTES } from './limits.ts';

export interface MimeLeaf {
  /** IMAP BODYSTRUCTURE numbering: "1" for a single-part message, "2.1" for the first part of the second. */
  path: string;
  /** The media type the part is read as, lower-cased: its Content-Type, else RFC 2045/2046's default. */
  type: string;
  /** The Content-Type value as declared (lower-cased, no parameters), or null when the part declares none. */
  declaredType: string | null;
  /** The charset parameter of the Content-Type, or null. */
  charset: string | null;
  /** The Content-Disposition value, lower-cased ("attachment", "inline"), or null when absent. */
  disposition: string | null;
  /** The file name: Content-Disposition's filename, else Content-Type's name (RFC 2231 and 2047 decoded). */
  name: string | null;
  /** Content-Transfer-Encoding, lower-cased; "7bit" when absent. */
  transferEncoding: string;
  /** The type of the multipart holding it ("multipart/related"), or null for a single-part message. */
  container: string | null;
  /** The encoded body: [bodyStart, bodyEnd) in the message, without the line break before the next delimiter. */
  bodyStart: number;
  bodyEnd: number;
  /**
   * Where what fixes this part's bytes ends: after the delimiter line that closes it (so nothing can be added to
   * the part without touching that line), or the end of the message when no delimiter follows.
   */
  coverEnd: number;
}

export interface MimeWalk {
  /** The message's own header section, as the verifier splits it. */
  root: SplitMessage;
  /** The leaves, in message order. */
  leaves: MimeLeaf[];
  /** Why the walk is incomplete or read leniently (a cap, a missing or unclosed boundary), or null. */
  note: string | null;
  /** A cap ended the walk: leaves after the point it was reached are missing. */
  stopped: boolean;
  /**
   * Mail readers may split these bytes into other parts than this walk did (a lenient reading, or bytes read one
   * way here and another by mailparser: see `ambiguity` in the walker). The note says where. Nothing read from such
   * a walk can be shown as what the signer sent.
   */
  ambiguous: boolean;
}

/** Walks the message's MIME tree. Never throws for any input bytes. */
export function walkMime(message: Buffer, root: SplitMessage = splitMessage(message)): MimeWalk {
  const walker = new Walker(message);
  const headers = walker.headersOf(root.fields, '');
  walker.visit({ start: 0, end: message.length, coverEnd: message.length, path: '', depth: 0, container: null }, headers, root.bodyStart);
  return { root, leaves: walker.leaves, note: walker.note(), stopped: walker.stopped, ambiguous: walker.ambiguous };
}

/** A part's range in the message, with what closes it and where it sits in the tree. */
interface PartRange {
  start: number;
  end: number;
  coverEnd: number;
  /** "" for the message itself. */
  path: string;
  depth: number;
  container: string | null;
}

interface PartHeaders {
  contentType: ContentHeader | null;
  disposition: ContentHeader | null;
  transferEncoding: string;
}

const DASH = 0x2d;
/** Longer than any real Content-Transfer-Encoding token; a longer value is read as an unknown encoding. */
const MAX_ENCODING_CHARS = 64;

class Walker {
  readonly leaves: MimeLeaf[] = [];
  stopped = false;
  ambiguous = false;
  private readonly message: Buffer;
  private parts = 0;
  private readonly notes = new Set<string>();

  constructor(message: Buffer) {
    this.message = message;
  }

  note(): string | null {
    return this.notes.size === 0 ? null : [...this.notes].join('; ');
  }

  /** Reads one part: a multipart's children in turn, or a leaf. */
  visit(part: PartRange, headers: PartHeaders, bodyStart: number): void {
    if (++this.parts > MAX_MIME_PARTS) return this.stop(`more than ${MAX_MIME_PARTS} MIME parts: the parts after the ${MAX_MIME_PARTS}th were not read`);
    const declared = headers.contentType && headers.contentType.value.includes('/') ? headers.contentType.value : null;
    const type = declared ?? (part.container === 'multipart/digest' ? 'message/rfc822' : 'text/plain');
    if (type.startsWith('multipart/')) {
      const boundary = headers.contentType?.params.boundary;
      if (boundary && boundary.length <= MAX_BOUNDARY_CHARS && /^[\x20-\x7e]+$/.test(boundary)) {
        return this.children(part, type, Buffer.from(`--${boundary}`, 'latin1'), bodyStart);
      }
      this.ambiguity(`multipart ${part.path || 'message'} has no usable boundary: read as one part`);
    }
    this.leaves.push({
      path: part.path === '' ? '1' : part.path,
      type,
      declaredType: declared,
      charset: headers.contentType?.params.charset ?? null,
      disposition: headers.disposition?.value || null,
      name: decodedName(headers.disposition?.params.filename) ?? decodedName(headers.contentType?.params.name),
      transferEncoding: headers.transferEncoding,
      container: part.container,
      bodyStart,
      bodyEnd: part.end,
      coverEnd: part.coverEnd,
    });
  }

  /** The fields of a part that say what it is. */
  headersOf(fields: readonly HeaderField[], path: string): PartHeaders {
    const find = (key: string) => fields.find((field) => field.key === key);
    const read = (field: HeaderField | undefined): ContentHeader | null => {
      if (!field) return null;
      const parsed = parseContentHeader(field);
      if (parsed !== 'too-long') return parsed;
      this.notes.add(`a ${field.name} field of part ${path || '1'} is too long to read`);
      return null;
    };
    const encoding = find('content-transfer-encoding');
    return {
      contentType: read(find('content-type')),
      disposition: read(find('content-disposition')),
      transferEncoding: encoding ? transferEncodingOf(encoding) : '7bit',
    };
  }

  private children(part: PartRange, type: string, delimiter: Buffer, bodyStart: number): void {
    if (part.depth + 1 > MAX_MIME_DEPTH) return this.stop(`MIME parts nested more than ${MAX_MIME_DEPTH} deep: the deeper parts were not read`);
    let childStart = -1;
    let count = 0;
    let closed = false;
    const child = (start: number, end: number, coverEnd: number) => {
      count++;
      const path = part.path === '' ? String(count) : `${part.path}.${count}`;
      this.child({ start, end, coverEnd, path, depth: part.depth + 1, container: type });
    };
    const where = part.path || 'message';
    const lines = delimiterLines(this.message, bodyStart, part.end, delimiter, (why) => this.ambiguity(`a delimiter line of multipart ${where} ${why}`));
    for (const line of lines) {
      if (childStart >= 0) child(childStart, contentEndBefore(this.message, childStart, line.start), line.end);
      if (this.stopped) return;
      if (line.close) {
        closed = true;
        break;
      }
      childStart = line.end;
    }
    if (childStart < 0) {
      this.ambiguity(`multipart ${where} has no delimiter line: no part read from it`);
      return;
    }
    if (!closed) {
      this.ambiguity(`multipart ${where} is not closed: its last part runs to the end of its range`);
      child(childStart, part.end, part.coverEnd);
    }
  }

  private child(part: PartRange): void {
    const window = this.message.subarray(part.start, Math.min(part.end, part.start + MAX_PART_HEADER_BYTES));
    const split = splitMessage(window);
    if (window.length < part.end - part.start && split.bodyStart === window.length && !endsWithBlankLine(window)) {
      this.notes.add(`the header section of part ${part.path} is over ${MAX_PART_HEADER_BYTES} bytes: part not read`);
      return;
    }
    // A line of white space (relaxed canonicalisation lets a forger turn the blank line into one) or a line that
    // is no field: readers end or read the part's header section at different places.
    if (split.malformedLines > 0) this.ambiguity(`the header section of part ${part.path} has lines that are not fields`);
    this.visit(part, this.headersOf(split.fields, part.path), part.start + split.bodyStart);
  }

  /** A reading other readers may not share: noted, and nothing read from this walk is shown as signed. */
  private ambiguity(reason: string): void {
    this.ambiguous = true;
    this.notes.add(reason);
  }

  private stop(reason: string): void {
    this.stopped = true;
    this.notes.add(reason);
  }
}

/** A delimiter line: where it starts, where it ends (after its line end), and whether it is the close ("--b--"). */
interface DelimiterLine {
  start: number;
  end: number;
  close: boolean;
}

/**
 * The delimiter lines of a multipart body in [start, end) (RFC 2046 §5.1.1): "--boundary" at the start of a line,
 * "--" more for the close, then only transport padding (SP, HTAB) before the line end. The search runs in a view
 * that ends at `end`, so a nested multipart never reads its parent's later bytes.
 *
 * Where mail readers split otherwise, `ambiguous` is told: mailparser (mailsplit) takes no transport padding (and
 * relaxed body canonicalisation lets a forger add it to a signed delimiter), takes a "--boundary" after a bare CR
 * or ended by a bare CR for a delimiter; we follow the RFC (a delimiter follows and ends with a line break).
 */
function* delimiterLines(message: Buffer, start: number, end: number, delimiter: Buffer, ambiguous: (why: string) => void): Generator<DelimiterLine> {
  const range = message.subarray(0, end);
  let pos = start;
  while (pos < end) {
    const at = range.indexOf(delimiter, pos);
    if (at === -1) return;
    pos = at + 1;
    let i = at + delimiter.length;
    const close = i + 1 < end && message[i] === DASH && message[i + 1] === DASH;
    if (close) i += 2;
    const padded = i < end && isWsp(message[i]!);
    if (at !== start && message[at - 1] !== LF) {
      if (message[at - 1] === CR) ambiguous('follows a bare CR');
      continue;
    }
    if (message[i] === CR && (i + 1 >= end || message[i + 1] !== LF)) ambiguous('ends with a bare CR');
    while (i < end && isWsp(message[i]!)) i++;
    let lineEnd: number;
    if (i === end) lineEnd = end;
    else if (message[i] === LF) lineEnd = i + 1;
    else if (message[i] === CR && i + 1 < end && message[i + 1] === LF) lineEnd = i + 2;
    else continue; // "--boundary" followed by other text is content, not a delimiter
    if (padded) ambiguous('has transport padding (white space after the boundary)');
    yield { start: at, end: lineEnd, close };
    pos = lineEnd;
  }
}

/** A part's content ends before the line break that precedes the next delimiter: that break belongs to it. */
function contentEndBefore(message: Buffer, partStart: number, delimiterStart: number): number {
  let end = delimiterStart;
  if (end > partStart && message[end - 1] === LF) end--;
  if (end > partStart && message[end - 1] === CR) end--;
  return end;
}

function endsWithBlankLine(window: Buffer): boolean {
  const n = window.length;
  return (n >= 2 && window[n - 1] === LF && window[n - 2] === LF) || (n >= 3 && window[n - 1] === LF && window[n - 2] === CR && window[n - 3] === LF);
}

function transferEncodingOf(field: HeaderField): string {
  if (field.raw.length - field.colon > MAX_ENCODING_CHARS) return 'unknown';
  return asciiLowerCase(trimFws(fieldValue(field)));
}
