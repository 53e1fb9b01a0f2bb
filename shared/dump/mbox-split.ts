/**
 * Splits an mbox byte stream into its stored messages, holding one message at a time (plus a few carried bytes):
 * a record starts at every "From " at the start of a line (start of stream, or after "\n"), whose envelope line
 * is dropped; the blank line a writer puts before the next "From " line is dropped too. Nothing else is touched:
 * line endings (LF, CRLF, mixed) and 8-bit bytes stay as stored, and ">From " quoting is left to mbox-quoting.ts.
 *
 * Content-Length headers (mboxcl) are not used to find boundaries. The fixtures that carry them (Mail::Box's
 * mbox.src/.win/.cpy) have no unquoted "From " line in a body, and their Content-Length equals the body length of
 * every message split this way; the headers would only matter for an mboxcl file that leaves such lines unquoted.
 */
import { MAX_MESSAGE_BYTES } from './limits.ts';

export interface MboxRecord {
  /** Byte offset of the record's "From " line in the mbox (0 for bytes stored before the first one). */
  offset: number;
  /** Bytes from `offset` to the end of the stored message (envelope included, separator blank line excluded). */
  length: number;
  /** False only for the bytes stored before the first "From " line. */
  hasEnvelope: boolean;
  /** The stored message, quoting not undone; empty when `oversized`. */
  stored: Buffer;
  /** The message was larger than the limit and was not kept. */
  oversized: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const FROM = Buffer.from('From ', 'latin1');
const LF_FROM = Buffer.from('\nFrom ', 'latin1');
const EMPTY = Buffer.alloc(0);

export async function* splitMbox(
  chunks: AsyncIterable<Buffer>,
  maxMessageBytes = MAX_MESSAGE_BYTES,
): AsyncGenerator<MboxRecord> {
  const splitter = new MboxSplitter(maxMessageBytes);
  for await (const chunk of chunks) yield* splitter.push(chunk);
  yield* splitter.end();
}

interface OpenRecord {
  offset: number;
  /** Where the message proper starts (after the envelope line). */
  contentStart: number;
  hasEnvelope: boolean;
  parts: Buffer[];
  size: number;
  oversized: boolean;
}

/** The splitter's state between chunks; push() and end() return the records completed so far. */
export class MboxSplitter {
  private readonly maxMessageBytes: number;
  /** File offset of the first byte not yet consumed (the carry's first byte when there is a carry). */
  private offset = 0;
  /** Up to 4 bytes at the start of a line that may be the beginning of "From ": decided with the next chunk. */
  private carry: Buffer = EMPTY;
  /** Whether the next byte to be scanned starts a line. */
  private atLineStart = true;
  /** Inside an envelope ("From ") line, whose bytes are not part of any message. */
  private inEnvelope = false;
  private record: OpenRecord;

  constructor(maxMessageBytes = MAX_MESSAGE_BYTES) {
    this.maxMessageBytes = maxMessageBytes;
    this.record = openRecord(0, false);
  }

  push(chunk: Buffer): MboxRecord[] {
    const buffer = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const base = this.offset;
    const done: MboxRecord[] = [];
    const startsLine = (at: number): boolean => (at === 0 ? this.atLineStart : buffer[at - 1] === LF);
    let position = 0;
    let keep = 0;
    while (position < buffer.length) {
      if (this.inEnvelope) {
        const lineEnd = buffer.indexOf(LF, position);
        if (lineEnd === -1) {
          position = buffer.length;
          break;
        }
        this.inEnvelope = false;
        position = lineEnd + 1;
        this.record.contentStart = base + position;
        continue;
      }
      const boundary = findFromLine(buffer, position, startsLine(position));
      if (boundary !== -1) {
        this.append(buffer.subarray(position, boundary));
        const finished = this.finish();
        if (finished !== undefined) done.push(finished);
        this.record = openRecord(base + boundary, true);
        this.inEnvelope = true;
        position = boundary;
        continue;
      }
      keep = partialFromLineLength(buffer, position, startsLine(position));
      this.append(buffer.subarray(position, buffer.length - keep));
      position = buffer.length;
    }
    this.carry = keep > 0 ? buffer.subarray(buffer.length - keep) : EMPTY;
    this.atLineStart = keep > 0 || (buffer.length > 0 ? buffer[buffer.length - 1] === LF : this.atLineStart);
    this.offset = base + buffer.length - keep;
    return done;
  }

  end(): MboxRecord[] {
    if (this.carry.length > 0) {
      this.append(this.carry);
      this.offset += this.carry.length;
      this.carry = EMPTY;
    }
    // A "From " line at the very end, with nothing after it: an envelope without a message.
    if (this.inEnvelope) this.record.contentStart = this.offset;
    const finished = this.finish();
    return finished === undefined ? [] : [finished];
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const record = this.record;
    record.size += bytes.length;
    if (record.oversized) return;
    if (record.size > this.maxMessageBytes) {
      record.oversized = true;
      record.parts = [];
      return;
    }
    record.parts.push(bytes);
  }

  private finish(): MboxRecord | undefined {
    const record = this.record;
    if (!record.hasEnvelope && record.size === 0) return undefined;
    const envelopeLength = record.contentStart - record.offset;
    if (record.oversized) {
      return { offset: record.offset, length: envelopeLength + record.size, hasEnvelope: record.hasEnvelope, stored: EMPTY, oversized: true };
    }
    // Copied, so a small message does not pin the whole chunk it was cut from.
    const whole = Buffer.concat(record.parts, record.size);
    const stored = whole.subarray(0, whole.length - separatorLength(whole));
    return { offset: record.offset, length: envelopeLength + stored.length, hasEnvelope: record.hasEnvelope, stored, oversized: false };
  }
}

function openRecord(offset: number, hasEnvelope: boolean): OpenRecord {
  return { offset, contentStart: offset, hasEnvelope, parts: [], size: 0, oversized: false };
}

/** Index of the next "From " that starts a line, at or after `from`, or -1. */
function findFromLine(buffer: Buffer, from: number, fromStartsLine: boolean): number {
  if (fromStartsLine && buffer.length - from >= FROM.length && buffer.subarray(from, from + FROM.length).equals(FROM)) {
    return from;
  }
  const found = buffer.indexOf(LF_FROM, from);
  return found === -1 ? -1 : found + 1;
}

/** How many bytes at the end of the buffer start a line and could still become "From " (0 to 4). */
function partialFromLineLength(buffer: Buffer, from: number, fromStartsLine: boolean): number {
  const lastLineEnd = buffer.lastIndexOf(LF);
  const tailStart = lastLineEnd >= from ? lastLineEnd + 1 : fromStartsLine ? from : -1;
  if (tailStart === -1) return 0;
  const tailLength = buffer.length - tailStart;
  if (tailLength === 0 || tailLength >= FROM.length) return 0;
  return buffer.subarray(tailStart).equals(FROM.subarray(0, tailLength)) ? tailLength : 0;
}

/**
 * The length of the blank separator line an mbox writer adds after a message: its last line ending ("\n" or
 * "\r\n") when that ending follows another one, i.e. when the message ends with an empty line.
 */
export function separatorLength(message: Buffer): number {
  const n = message.length;
  if (n >= 3 && message[n - 1] === LF && message[n - 2] === CR && message[n - 3] === LF) return 2;
  if (n >= 2 && message[n - 1] === LF && message[n - 2] === LF) return 1;
  return 0;
}
