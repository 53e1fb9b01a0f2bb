/**
 * Reads a file of content that is not a message (a spreadsheet, a PDF, a photo) in one pass: SHA-256 and size of
 * all its bytes, and the bytes themselves held whole up to MAX_DOCUMENT_HOLD_BYTES, else only its first
 * DETECT_BYTES (what its type is told from). Whatever bounds the stream (a zip member's inflation caps, its CRC)
 * applies while it is read; a stream that fails makes the document an error with the reason.
 */
import { createHash } from 'node:crypto';
import { DETECT_BYTES } from '../documents/detect-type.ts';
import type { DocumentEntry, ErrorEntry, Locator } from './entry.ts';
import { describeError } from './errors.ts';
import { MAX_DOCUMENT_HOLD_BYTES } from './limits.ts';

export async function readDocument(locator: Locator, chunks: AsyncIterable<Buffer>, holdBytes = MAX_DOCUMENT_HOLD_BYTES): Promise<DocumentEntry | ErrorEntry> {
  const hash = createHash('sha256');
  let size = 0;
  let held: Buffer[] | null = [];
  let head: Buffer | null = null;
  try {
    for await (const chunk of chunks) {
      hash.update(chunk);
      size += chunk.length;
      if (held === null) continue;
      if (size <= holdBytes) {
        held.push(chunk);
        continue;
      }
      // Too large to hold: keep the head only, and let the rest go as it streams past.
      head = firstBytes([...held, chunk], DETECT_BYTES);
      held = null;
    }
  } catch (error) {
    return { kind: 'error', locator, reason: describeError(error) };
  }
  const whole = held !== null;
  const bytes = held !== null ? (held.length === 1 ? held[0]! : Buffer.concat(held, size)) : head!;
  return { kind: 'document', locator, size, sha256: hash.digest('hex'), bytes, whole };
}

/** A copy of the first `count` bytes of `parts`, so the large pieces they came from are not kept alive by it. */
function firstBytes(parts: Buffer[], count: number): Buffer {
  const head = Buffer.alloc(Math.min(count, parts.reduce((total, part) => total + part.length, 0)));
  let at = 0;
  for (const part of parts) {
    if (at >= head.length) break;
    at += part.copy(head, at, 0, Math.min(part.length, head.length - at));
  }
  return head;
}
