/**
 * A leaf's body as its Content-Transfer-Encoding says to read it. base64 by Node's own decoder (which skips
 * white space and line ends, as RFC 2045 §6.8 asks; see base64.ts), quoted-printable by decodeQuotedPrintable
 * (linear), and anything else (7bit, 8bit, binary, an encoding no one knows) as the bytes stand, as mail readers do.
 */
import { decodeBase64, readBase64 } from './base64.ts';
import { decodeQuotedPrintable } from './quoted-printable.ts';

export function decodeBody(encoded: Buffer, transferEncoding: string): Buffer {
  if (transferEncoding === 'base64') return decodeBase64(encoded);
  if (transferEncoding === 'quoted-printable') return decodeQuotedPrintable(encoded);
  return encoded;
}

/**
 * decodeBody for a file, with whether a base64 body is strict (isStrictBase64: every decoder reads these bytes),
 * learnt while decoding rather than in a second pass over megabytes; null for other encodings.
 */
export function decodeFile(encoded: Buffer, transferEncoding: string): { bytes: Buffer; strictBase64: boolean | null } {
  if (transferEncoding !== 'base64') return { bytes: decodeBody(encoded, transferEncoding), strictBase64: null };
  const { bytes, strict } = readBase64(encoded);
  return { bytes, strictBase64: strict };
}

/** The most bytes decodeBody can return for `encodedLength` bytes: checked against the caps before decoding. */
export function decodedSizeBound(encodedLength: number, transferEncoding: string): number {
  return transferEncoding === 'base64' ? Math.ceil((encodedLength * 3) / 4) : encodedLength;
}

/**
 * Gives a decoded body's memory back now, once nothing holds it (the inventory has hashed and read it). A decoded
 * attachment is megabytes in a buffer of its own; left to the garbage collector it waits in the verifying
 * thread's malloc arena until V8 next collects that small heap (see shared/adapters/local/thread-bytes.ts, where
 * message bytes are released the same way). Nothing is done to bytes that are the encoded bytes themselves (a
 * 7bit part: a view of the message) or that may sit in one of Node's shared pool slabs.
 */
export function discardDecoded(decoded: Buffer, encoded: Buffer): void {
  if (decoded.buffer !== encoded.buffer) discardFile(decoded);
}

/** The same for a decoded file held apart from its message (described elsewhere: see describeEntry). */
export function discardFile(decoded: Uint8Array): void {
  const buffer = decoded.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength <= Buffer.poolSize) return;
  (buffer as ArrayBuffer & { transfer(newByteLength: number): ArrayBuffer }).transfer(0);
}
