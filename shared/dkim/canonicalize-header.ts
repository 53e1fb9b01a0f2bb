import type { HeaderField } from './header-fields.ts';

export type Canonicalization = 'simple' | 'relaxed';

/**
 * One header field in canonical form, with its CRLF (RFC 6376 §3.4.1, §3.4.2). Line ends inside a folded
 * field become CRLF whatever the file used, so LF-stored mail hashes as it was sent.
 */
export function canonicalHeader(field: HeaderField, mode: Canonicalization): string {
  const text = field.raw.toString('latin1');
  if (mode === 'simple') return text.replace(/\r?\n/g, '\r\n') + '\r\n';
  const colon = text.indexOf(':');
  const name = text.slice(0, colon).trimEnd().toLowerCase();
  const value = text
    .slice(colon + 1)
    .replace(/\r?\n/g, '')
    .replace(/[\t ]+/g, ' ')
    .trim();
  return `${name}:${value}\r\n`;
}
