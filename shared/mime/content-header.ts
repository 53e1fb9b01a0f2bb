/**
 * The structured MIME fields of a part (Content-Type, Content-Disposition), read with libmime: its
 * parseHeaderValue decodes RFC 2231 parameters (continuations, charset and language), and its decodeWords the
 * RFC 2047 encoded words that many mailers put in a plain `filename="=?utf-8?B?…?="`. No decoder of our own.
 */
import libmime from 'libmime';
import { asciiLowerCase, trimFws } from '../dkim/ascii.ts';
import { unfold, type HeaderField } from '../dkim/header-fields.ts';
import { MAX_CONTENT_HEADER_CHARS } from './limits.ts';

export interface ContentHeader {
  /** The value before the parameters, lower-cased ("application/pdf", "attachment"). */
  value: string;
  /** Parameters by lower-cased name, decoded (RFC 2231, then RFC 2047). */
  params: Record<string, string>;
}

/** Names longer than this are cut: a file name is evidence to show, not a place to store megabytes. */
const MAX_NAME_CHARS = 1024;

/**
 * The field's value and parameters, or 'too-long' when the value is over MAX_CONTENT_HEADER_CHARS (not read:
 * the caller notes it). Raw 8-bit bytes are read as UTF-8 when they are valid UTF-8 (what mailers that skip
 * RFC 2047 send), else as latin-1.
 */
export function parseContentHeader(field: HeaderField): ContentHeader | 'too-long' {
  const raw = field.raw.subarray(field.colon + 1);
  if (raw.length > MAX_CONTENT_HEADER_CHARS) return 'too-long';
  const parsed = libmime.parseHeaderValue(unfold(headerText(raw)));
  return { value: asciiLowerCase(trimFws(parsed.value || '')), params: parsed.params };
}

/** A file name parameter as people read it: RFC 2231 already decoded by libmime, RFC 2047 words decoded here. */
export function decodedName(value: string | undefined): string | null {
  if (value === undefined) return null;
  const decoded = value.includes('=?') ? libmime.decodeWords(value) : value;
  const name = decoded.trim();
  return name === '' ? null : name.slice(0, MAX_NAME_CHARS);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function headerText(raw: Buffer): string {
  for (const byte of raw) {
    if (byte >= 0x80) {
      try {
        return UTF8.decode(raw);
      } catch {
        return raw.toString('latin1');
      }
    }
  }
  return raw.toString('latin1');
}
