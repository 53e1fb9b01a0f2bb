import { constants, inflateSync } from 'node:zlib';
import { inflateLimit } from '../../dump/limits.ts';

/** Inflated bytes the scan may produce in all, over every stream of one PDF. */
const MAX_SCAN_INFLATED_BYTES = 512 * 1024 * 1024;
/** Any one stream may inflate to at most this (besides the dump's ratio cap). */
const MAX_STREAM_INFLATED_BYTES = 64 * 1024 * 1024;

const STREAM = Buffer.from('stream', 'latin1');
const END_STREAM = Buffer.from('endstream', 'latin1');

/**
 * pdf.js inflates a stream it needs (the XMP metadata, an object stream holding the Info dictionary) whole and
 * without a limit, so a deflate bomb there would take gigabytes. Before pdf.js sees a file, each of its
 * streams is test-inflated with Node's zlib, stopping at the dump's inflation ratio and a size cap: returns why
 * the file is refused, or null. Streams that are not deflate fail at their first bytes and cost nothing.
 *
 * pdf.js finds a stream's end by its /Length, not by the first "endstream": each stream is inflated from its
 * start to wherever its deflate data ends (zlib stops there), so "endstream" written inside the compressed
 * bytes does not hide the rest of a bomb. And pdf.js applies a chain of filters: output that is itself zlib
 * data (/Filter [/FlateDecode /FlateDecode]: 232 bytes → 50 KB → 50 MB) is inflated again, layer after layer,
 * each under the same limit. A chain that puts another filter between two Flates is not followed (see notes).
 */
export function bombedStream(bytes: Buffer): string | null {
  let budget = MAX_SCAN_INFLATED_BYTES;
  let at = 0;
  for (;;) {
    const start = bytes.indexOf(STREAM, at);
    if (start < 0) return null;
    // "endstream" contains "stream": a start found inside one is not a start.
    if (start >= 3 && bytes.subarray(start - 3, start).toString('latin1') === 'end') {
      at = start + STREAM.length;
      continue;
    }
    let dataStart = start + STREAM.length;
    if (bytes[dataStart] === 0x0d) dataStart++;
    if (bytes[dataStart] === 0x0a) dataStart++;
    const end = bytes.indexOf(END_STREAM, dataStart);
    const length = (end < 0 ? bytes.length : end) - dataStart;
    const limit = Math.min(inflateLimit(length), MAX_STREAM_INFLATED_BYTES, budget);
    try {
      // pdf.js's Flate decoder refuses data without a zlib header, so only such data can inflate there: the
      // rest (images in DCT, random bytes, other filters) is passed over without a zlib handle or an exception.
      if (looksLikeZlib(bytes.subarray(dataStart, dataStart + 2))) budget -= inflatedLayers(bytes.subarray(dataStart), limit);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        return limit === budget
          ? `its streams inflate past ${MAX_SCAN_INFLATED_BYTES} bytes in all; not read`
          : `a stream of ${length} bytes at byte ${dataStart} inflates past ${limit} bytes (a deflate bomb); not read`;
      }
      // not deflate, or damaged: pdf.js copes or reports it
    }
    if (end < 0) return null;
    at = end + END_STREAM.length;
  }
}

/**
 * Bytes inflated from `data`, following layers of zlib data inside each other while each stays under `limit`;
 * throws ERR_BUFFER_TOO_LARGE past it. A layer that is not zlib data ends the count (pdf.js reads that as it can).
 */
function inflatedLayers(data: Buffer, limit: number): number {
  let layer = inflateSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: limit });
  let total = layer.length;
  while (looksLikeZlib(layer)) {
    try {
      layer = inflateSync(layer, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: limit });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw error;
      break;
    }
    total += layer.length;
    if (total > limit) throw Object.assign(new Error('inflated layers past the limit'), { code: 'ERR_BUFFER_TOO_LARGE' });
  }
  return total;
}

/** A zlib header (RFC 1950): deflate method and a check value that makes the first two bytes a multiple of 31. */
function looksLikeZlib(bytes: Buffer): boolean {
  return bytes.length >= 2 && (bytes[0]! & 0x0f) === 8 && ((bytes[0]! << 8) | bytes[1]!) % 31 === 0;
}
