/**
 * Quoted-printable decoding (RFC 2045 §6.7) in one pass over the bytes. Written here rather than taken from libqp
 * because libqp's decode (and mailparser's, which uses it) strips trailing white space with /[\t ]+$/gm, which
 * backtracks quadratically on a run of spaces: 100 KB of spaces then a letter took 23 s. Output never exceeds
 * the input.
 *
 * Lenient as mail readers are: an `=` not followed by two hex digits is kept as it stands, and line ends are kept
 * as written (CRLF or the bare LF an export left), as libqp keeps them, so decoded hashes agree with mailparser's.
 */
import { isWsp } from '../dkim/ascii.ts';
import { CR, LF } from '../dkim/octets.ts';

const EQUALS = 0x3d;

export function decodeQuotedPrintable(encoded: Buffer): Buffer {
  const out = Buffer.allocUnsafe(encoded.length);
  let used = 0;
  let pos = 0;
  while (pos < encoded.length) {
    const lf = encoded.indexOf(LF, pos);
    const lineEnd = lf === -1 ? encoded.length : lf;
    const crlf = lf !== -1 && lineEnd > pos && encoded[lineEnd - 1] === CR;
    let end = crlf ? lineEnd - 1 : lineEnd;
    // Transport padding: white space at the end of an encoded line is not data (rule 3).
    while (end > pos && isWsp(encoded[end - 1]!)) end--;
    // A line ending in "=" is a soft line break: the line goes on without a break (rule 5).
    const soft = end > pos && encoded[end - 1] === EQUALS;
    if (soft) end--;
    for (let i = pos; i < end; i++) {
      const byte = encoded[i]!;
      if (byte === EQUALS && i + 2 < end) {
        const high = hexValue(encoded[i + 1]!);
        const low = hexValue(encoded[i + 2]!);
        if (high >= 0 && low >= 0) {
          out[used++] = high * 16 + low;
          i += 2;
          continue;
        }
      }
      out[used++] = byte;
    }
    if (lf !== -1 && !soft) {
      if (crlf) out[used++] = CR;
      out[used++] = LF;
    }
    pos = lf === -1 ? encoded.length : lf + 1;
  }
  return out.subarray(0, used);
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}
