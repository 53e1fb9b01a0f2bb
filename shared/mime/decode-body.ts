/**
 * A leaf's body as its Content-Transfer-Encoding says to read it. base64 by Node's own decoder (which skips
 * white space and line ends, as RFC 2045 §6.8 asks; see base64.ts), quoted-printable by decodeQuotedPrintable
 * (linear), and anything else (7bit, 8bit, binary, an encoding no one knows) as the bytes stand, as mail readers do.
 */
import { decodeBase64 } from './base64.ts';
import { decodeQuotedPrintable } from './quoted-printable.ts';

export function decodeBody(encoded: Buffer, transferEncoding: string): Buffer {
  if (transferEncoding === 'base64') return decodeBase64(encoded);
  if (transferEncoding === 'quoted-printable') return decodeQuotedPrintable(encoded);
  return encoded;
}

/** The most bytes decodeBody can return for `encodedLength` bytes: checked against the caps before decoding. */
export function decodedSizeBound(encodedLength: number, transferEncoding: string): number {
  return transferEncoding === 'base64' ? Math.ceil((encodedLength * 3) / 4) : encodedLength;
}
