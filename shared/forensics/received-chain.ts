import { asciiLowerCase } from '../dkim/ascii.ts';
import { fieldValue, type HeaderField } from '../dkim/header-fields.ts';
import { parseDate, withoutComments } from '../message/message-context.ts';
import type { ReceivedEvidence, ReceivedHop } from './contract.ts';

/** Received fields read per message. Real chains have 2–15 hops; the rest of a longer one is counted, not read. */
export const MAX_HOPS = 100;
/**
 * Longest Received value read. Real ones are under 500 characters; a longer one is a hop with nothing read, so
 * 100 hops cost at most 100 × 4 KiB of parsing whatever the header section holds.
 */
export const MAX_RECEIVED_CHARS = 4 * 1024;
/** Longest host name kept (RFC 1035). */
const MAX_HOST_CHARS = 253;

/**
 * The Received chain, oldest hop first (RFC 5321 §4.4: each relay adds its field on top, so the bottom one is the
 * first relay). Each value is read once: comments removed in one pass, then the word after "from" and after
 * "by", and the date after the last ";" with the project's date parser. Linear in the capped input.
 */
export function receivedChain(fields: readonly HeaderField[]): ReceivedEvidence {
  const received = fields.filter((field) => field.key === 'received');
  const read = received.slice(0, MAX_HOPS);
  return { hops: read.map(hopOf).reverse(), unread: received.length - read.length };
}

function hopOf(field: HeaderField): ReceivedHop {
  if (field.raw.length > MAX_RECEIVED_CHARS) return { from: null, by: null, at: null };
  const value = fieldValue(field);
  const semicolon = value.lastIndexOf(';');
  const at = semicolon === -1 ? null : parseDate(value.slice(semicolon + 1));
  const words = withoutComments(semicolon === -1 ? value : value.slice(0, semicolon)).split(/[ \t]+/);
  return { from: hostAfter(words, 'from'), by: hostAfter(words, 'by'), at: at?.toISOString() ?? null };
}

/** The word after the first clause keyword `keyword` (case-insensitive), lower-cased, or null. */
function hostAfter(words: readonly string[], keyword: string): string | null {
  const at = words.findIndex((word) => word.length === keyword.length && asciiLowerCase(word) === keyword);
  const host = at === -1 ? undefined : words.slice(at + 1).find((word) => word !== '');
  return host && host.length <= MAX_HOST_CHARS ? asciiLowerCase(host) : null;
}
