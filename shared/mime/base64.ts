/**
 * base64 decoding by Node's own decoder, fed in 16 KB strings. Decoding a whole part as one string is what
 * mailparser's libbase64 does (Buffer.from(string, 'base64')), but a part of megabytes makes a string of megabytes
 * first, and with line breaks every 76 characters Node leaves its fast (SIMD) path: 684 KB took 10 ms that way
 * and 0.5 ms in line-stripped chunks, on the verifying thread where it counts.
 *
 * The lines' contents are copied into a scratch buffer and decoded each time it is full. A full chunk is 16,384
 * characters (a multiple of 4), so it decodes to exactly 12,288 bytes when every character is base64 data; when it
 * does not (white space inside a line, characters outside the alphabet, padding in the middle), the part is
 * decoded again as one string, which gives exactly Buffer.from's reading. Either way the bytes are Node's.
 */
import { CR, LF } from '../dkim/octets.ts';

const CHUNK = 16 * 1024;
/** One per thread: decoding is synchronous, so no two parts share it at once. */
const SCRATCH = Buffer.allocUnsafe(CHUNK);

export function decodeBase64(encoded: Buffer): Buffer {
  return decodeInChunks(encoded) ?? Buffer.from(encoded.toString('latin1'), 'base64');
}

/** The decoded bytes, or null when a chunk was not all base64 data (the caller then decodes the whole string). */
function decodeInChunks(encoded: Buffer): Buffer | null {
  const out = Buffer.allocUnsafe(Math.ceil((encoded.length * 3) / 4));
  let written = 0;
  let used = 0;
  let pos = 0;
  while (pos < encoded.length) {
    const lf = encoded.indexOf(LF, pos);
    const lineEnd = lf === -1 ? encoded.length : lf;
    const end = lineEnd > pos && encoded[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    while (pos < end) {
      const take = Math.min(end - pos, CHUNK - used);
      encoded.copy(SCRATCH, used, pos, pos + take);
      used += take;
      pos += take;
      if (used === CHUNK) {
        const bytes = out.write(SCRATCH.toString('latin1', 0, CHUNK), written, 'base64');
        if (bytes !== (CHUNK / 4) * 3) return null;
        written += bytes;
        used = 0;
      }
    }
    pos = lineEnd + 1;
  }
  if (used > 0) written += out.write(SCRATCH.toString('latin1', 0, used), written, 'base64');
  return out.subarray(0, written);
}
