/** Reads an mbox (mboxo, mboxrd; LF, CRLF) from any stream of Buffers: one entry per stored message. */
import type { DumpEntry, Locator } from './entry.ts';
import { looksLikeHeader } from './classify.ts';
import { formatBytes } from './chunks.ts';
import { describeError } from './errors.ts';
import { MAX_MESSAGE_BYTES } from './limits.ts';
import { mboxReadings } from './mbox-quoting.ts';
import { splitMbox, type MboxRecord } from './mbox-split.ts';

/**
 * `startOffset`: where in the mbox the chunks begin (a resumed read, at the start of a record): locators say
 * where each message lies in the whole mbox.
 */
export async function* readMbox(path: string, chunks: AsyncIterable<Buffer>, startOffset = 0): AsyncGenerator<DumpEntry> {
  try {
    for await (const record of splitMbox(chunks)) {
      const entry = entryOf(path, record, startOffset);
      if (entry !== undefined) yield entry;
    }
  } catch (error) {
    // The stream broke (I/O error, damaged zip entry): what was read is already out; the rest is this error.
    yield { kind: 'error', locator: { path }, reason: `mbox read failed: ${describeError(error)}` };
  }
}

function entryOf(path: string, record: MboxRecord, startOffset: number): DumpEntry | undefined {
  const locator: Locator = { path, offset: startOffset + record.offset, length: record.length };
  if (record.oversized) {
    return { kind: 'error', locator, reason: `message larger than ${formatBytes(MAX_MESSAGE_BYTES)}; not read` };
  }
  if (!record.hasEnvelope) {
    // Bytes before the first "From " line: a message saved without an envelope (or a lone message named .mbox),
    // stray blank lines, or junk.
    if (record.stored.every(isWhitespace)) return undefined;
    if (!looksLikeHeader(record.stored)) {
      return { kind: 'skipped', locator, reason: 'not a message (text before the first "From " line)' };
    }
  }
  if (record.stored.length === 0) return { kind: 'skipped', locator, reason: 'empty message in mbox' };
  return { kind: 'message', locator, ...mboxReadings(record.stored) };
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}
