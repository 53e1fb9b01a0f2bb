/**
 * Key values as DynamoDB takes them: parts joined by "#", spread over shards, and bounded to the key sizes a
 * table or index accepts (a hostile locator or domain can be far longer).
 */
import { createHash } from 'node:crypto';
import { MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, SHARDS } from './table-design.ts';

/**
 * One part of a composite key. "#" separates the parts, so it is escaped inside one ("%" first, to keep the
 * escaping reversible): a d= of "a#b" cannot read as domain "a" followed by something else.
 */
export function keyPart(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('#', '%23');
}

/** The shard of a text (a locator, a batch id): the first 32 bits of its SHA-256, modulo `shards`. */
export function shardOf(text: string, shards: number = SHARDS): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) % shards;
}

const HASH_SUFFIX_BYTES = 1 + 64; // "#" and a SHA-256 in hex

/**
 * `key` if it fits in `maxBytes` with room to spare, else its first bytes (cut at a character), "#" and the
 * SHA-256 of the whole. Injective: a key is kept whole only below `maxBytes - 4` bytes, and every shortened one
 * is longer than that (the prefix loses at most 3 bytes to the cut), so the two kinds never meet. A shortened
 * key sorts by its prefix, near where the whole would: listings stay in locator order but among keys sharing
 * their first ~950 bytes.
 */
export function boundedKey(key: string, maxBytes: number): string {
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length < maxBytes - 4) return key;
  let cut = maxBytes - HASH_SUFFIX_BYTES;
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--; // not inside a UTF-8 sequence
  return `${bytes.subarray(0, cut).toString('utf8')}#${createHash('sha256').update(bytes).digest('hex')}`;
}

export const boundedSortKey = (key: string): string => boundedKey(key, MAX_SORT_KEY_BYTES);
export const boundedPartitionKey = (key: string): string => boundedKey(key, MAX_PARTITION_KEY_BYTES);

/** Order of DynamoDB's string keys (and SQLite's BINARY collation): by UTF-8 bytes. */
export function byteOrder(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** 0 .. count-1 */
export function allShards(count: number = SHARDS): number[] {
  return Array.from({ length: count }, (_, i) => i);
}
