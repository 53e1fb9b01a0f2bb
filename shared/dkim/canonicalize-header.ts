import { asciiLowerCase, trimWsp } from './ascii.ts';
import { unfold, type HeaderField } from './header-fields.ts';

export type Canonicalization = 'simple' | 'relaxed';

/**
 * One header field in canonical form, with its CRLF (RFC 6376 §3.4.1, §3.4.2). Line ends inside a folded
 * field become CRLF whatever the file used, so LF-stored mail hashes as it was sent.
 *
 * Relaxed touches only what §3.4.2 names: the name lower-cased (ASCII), folding removed, runs of SP/HTAB made
 * one SP, and SP/HTAB removed at the value's ends and before the colon. Any other byte (0x0B, 0x0C, 0xA0, a
 * lone CR) is content: stripping it, as `trim()` would, lets a forger add it where the signature does not see it.
 */
export function canonicalHeader(field: HeaderField, mode: Canonicalization): string {
  const text = field.raw.toString('latin1');
  if (mode === 'simple') return text.replace(/\r?\n/g, '\r\n') + '\r\n';
  const value = trimWsp(unfold(text.slice(field.colon + 1)).replace(/[\t ]+/g, ' '));
  return `${asciiLowerCase(field.name)}:${value}\r\n`;
}
