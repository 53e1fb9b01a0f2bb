/**
 * The MIME encodings the generated mail uses, written out by hand rather than through nodemailer: the point
 * is byte-level control (raw 8-bit latin-1, lines starting "From " left unprotected, CRLF everywhere).
 */

export const CRLF = '\r\n';

export type Charset = 'iso-8859-1' | 'utf-8';

export function encodeText(text: string, charset: Charset): Buffer {
  if (charset === 'iso-8859-1') {
    // Buffer's latin1 encoder silently truncates code points above U+00FF: refuse them instead.
    const outside = [...text].find((char) => char.codePointAt(0)! > 0xff);
    if (outside) throw new Error(`"${outside}" is not in iso-8859-1`);
    return Buffer.from(text, 'latin1');
  }
  return Buffer.from(text, 'utf8');
}

/**
 * Quoted-printable (RFC 2045 §6.7) of text whose lines are separated by "\n"; output lines end in CRLF.
 * "From " at a line start is deliberately not encoded as "=46rom ": many real encoders leave it, and the
 * dumps must exercise mbox quoting.
 */
export function quotedPrintable(text: string, charset: Charset): string {
  return text
    .split('\n')
    .map((line) => quotedPrintableLine(encodeText(line, charset)))
    .join(CRLF);
}

function quotedPrintableLine(bytes: Buffer): string {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const last = i === bytes.length - 1;
    const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
    const token = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    // 76 characters at most per line, the soft-break "=" included.
    if (current.length + token.length > (last ? 76 : 75)) {
      out.push(`${current}=`);
      current = '';
    }
    current += token;
  }
  out.push(current);
  return out.join(CRLF);
}

/** Base64 in 76-character lines, CRLF-terminated, as attachments are sent. */
export function base64Body(bytes: Buffer): Buffer {
  // Copying byte slices, not slicing a string: attachments run to 2 MB of base64, one per ten messages.
  const encoded = Buffer.from(bytes.toString('base64'), 'latin1');
  const lines = Math.ceil(encoded.length / 76);
  const out = Buffer.allocUnsafe(encoded.length + lines * 2);
  let at = 0;
  for (let i = 0; i < encoded.length; i += 76) {
    at += encoded.copy(out, at, i, Math.min(i + 76, encoded.length));
    out[at++] = 0x0d;
    out[at++] = 0x0a;
  }
  return out;
}

/** An RFC 2047 "Q" encoded-word sequence for header text that is not plain ASCII; ASCII text is returned as is. */
export function encodedWords(text: string, charset: Charset): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const words: string[] = [];
  let current = '';
  for (const char of text) {
    const bytes = encodeText(char, charset);
    let token = '';
    for (const byte of bytes) {
      if (byte === 0x20) token += '_';
      else if (/[A-Za-z0-9!*+\-/]/.test(String.fromCharCode(byte))) token += String.fromCharCode(byte);
      else token += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    // An encoded-word is at most 75 characters; the charset wrapper takes ~16 of them.
    if (current.length + token.length > 45) {
      words.push(current);
      current = '';
    }
    current += token;
  }
  if (current) words.push(current);
  return words.map((word) => `=?${charset.toUpperCase()}?Q?${word}?=`).join(`${CRLF} `);
}

/** "Display Name <local@domain>", the name encoded or quoted as needed. */
export function mailbox(name: string, address: string, charset: Charset): string {
  if (!name) return address;
  if (!/^[\x20-\x7e]*$/.test(name)) return `${encodedWords(name, charset)} <${address}>`;
  return /[(),.:;<>@[\\\]"]/.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}" <${address}>` : `${name} <${address}>`;
}

/** A header field, folded at spaces so that lines stay under 78 characters (RFC 5322 §2.2.3). */
export function headerField(name: string, value: string): string {
  const line = `${name}: ${value}`;
  if (line.length <= 78 || line.includes(CRLF)) return line;
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current && current.length + 1 + word.length > 76) {
      out.push(current);
      current = `\t${word}`;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  out.push(current);
  return out.join(CRLF);
}

/** RFC 2231 filename parameter for a non-ASCII attachment name, as Outlook and Thunderbird write it. */
export function filenameParameter(name: string, charset: Charset): string {
  if (/^[\x20-\x7e]*$/.test(name)) return `filename="${name}"`;
  const encoded = [...encodeText(name, charset)]
    .map((byte) => (/[A-Za-z0-9.\-_]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
  return `filename*=${charset}''${encoded}`;
}
