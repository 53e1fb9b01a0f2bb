/**
 * The DynamoDB tables, as both the CDK stack (infra/) and the adapters read them: one place for key names and
 * indexes, so the stack, the test emulators and the code that queries them cannot drift apart. Every key
 * attribute named here is a string. Every question the adapters ask is a Query (never a Scan).
 *
 * No partition key takes more than about 1/SHARDS of a dump's writes: a dump's entries, their index keys and
 * postings are spread over SHARDS partitions by a hash of the locator, its counters by a hash of the batch that
 * counts, and listings merge the shards back in locator order (dynamo-shard-merge.ts). Key values are bounded
 * to DynamoDB's key sizes (dynamo-keys.ts).
 *
 * - dumps: one item per dump (item = "dump": status, located, reason, rules version) in the dump's own
 *   partition; its counts in SHARDS counter partitions "<dump>#<shard>" (item = "n#total", "n#domain#<d>",
 *   "n#sender#<d>", "n#month#<YYYY-MM>"), summed when read; beside them, one counted-once marker per batch
 *   (item = "counted#<batch>"), which expires (TTL_ATTRIBUTE). byStart lists dumps over DUMP_LISTING_SHARDS keys.
 * - verdicts: one item per entry in partition "<dump>#<shard>" by locator: the record whole (JSON, or in S3 with
 *   a pointer when large) plus the few attributes a listing shows or filters on (LISTING_ATTRIBUTES). Its
 *   indexes list a dump's entries by verdict and by sender domain, each over SHARDS keys too.
 * - postings: what an entry cannot index by itself because it holds several of them: one item per (message,
 *   signing domain) ("signer#<dump>#<domain>#<shard>", by locator) and per signature by a (domain, selector)
 *   ("selector#<domain>#<selector>#<shard>", across dumps), and the registry of selectors seen ("selectors").
 *   Files and copies (dynamo-file-postings.ts), each across dumps and sorted by "<dump>#<locator>#<MIME path>":
 *   every document and attachment by its bytes ("file#<sha256>#<shard>"), attachments by lower-cased name
 *   ("name#…") and by document identity ("docid#…"), messages by identity ("identity#<Message-ID or hash>#…"),
 *   author names on verified mail by organisation ("authors#<org>#<shard>", one item per distinct name), and a
 *   dump's documents with their listing ("documents#<dump>#<shard>", by locator). Search words by their starts
 *   ("token#<dump>#<start>#<shard>", by locator; see "Search" below).
 * - keys: the key archive, one item per (selector, domain, key value); by domain through its index.
 *
 * The arithmetic behind SHARDS (README "Deploy to AWS"): a 10 GB dump of ~70,000 messages (~143 KB each) at the
 * default 50 workers, each assumed to verify ~25 MB/s with its S3 reads, is written at up to ~8,700 messages a
 * second. Each message is a verdict item of ~3 KB (3 WCU) under its dump's partition, ~26,000 WCU/s, plus an index
 * copy (~1 KB) under its verdict and sender domain, and a signer posting per signing domain (up to ~8,700 WCU/s on
 * each when one verdict, sender or signer dominates). DynamoDB gives a partition key at most 1,000 WCU/s. Over 32
 * shards: ~820 WCU/s on the busiest verdict partition, ≤ ~270 WCU/s on an index or posting key.
 *
 * Files (issue 11). A message with k attachments writes k "file#" postings, k "name#" (named ones), one "docid#"
 * per attachment whose metadata names a document identity, one "identity#", and on a verified message one
 * "authors#" item per distinct author or last modifier: each posting ~0.3–0.6 KB, 1 WCU. Its verdict item grows
 * by the attachments' records (~0.5–1.5 KB each with metadata). Assuming one message in three carries two
 * attachments: +1 identity + (2 + 2 + ~0.5 + ~2) / 3 ≈ 3.2 postings and ~0.7 KB of item a message, ~4 WCU more,
 * ~280,000 WRU for the 70,000-message dump. The shard of a file posting is a hash of where the file is (dump,
 * locator), never of the key looked up, so a hot key cannot form: one attachment carried by 10,000 messages (a
 * logo, "image001.png" in every Outlook message), written at the dump's full 8,700 messages a second, is
 * 8,700 ÷ 32 ≈ 270 WCU/s on each of its 32 "file#" (and "name#") keys, ~310 items each (measured: the busiest
 * within 1.25× its share); the same for a message delivered to every mailbox of the dump ("identity#") and for
 * the authors of one organisation ("authors#"). A lookup is 32 Queries at once (one round of ~10–20 ms, ~0.5 RRU
 * each when empty). Settling a document reads ~100–130 of them (bytes, name, identity, authors, carriers'
 * entries): ~60 RRU and ~100 ms, and a provenance that moves writes ~12 WCU (item, listing, counted once).
 *
 * Search (issue 14, dynamo-search-postings.ts). A message's search words (Subject, From, Message-ID: at most 64
 * distinct, 3–32 characters, a short stop list left out) are posted under their first 3 and first 6 characters
 * ("token#<dump>#<start>#<shard>", by locator, the message's shard): at most 128 postings, each ~0.3 KB (the
 * filtered attributes and the words; ≤ ~2.5 KB), 1 WCU. Measured on the example dump: 10.7 words and 17.7
 * postings a message. The 70,000-message dump then writes ~1.2–2.8 M WRU more (18–40 a message as subjects
 * grow), ~$1.5–3.5 on demand, ~4–6× the rest of a message's writes. At the full ~8,700 messages a second that is
 * ~155,000 WCU/s on the postings table: over the default on-demand table quota (40,000 WCU/s), so the batch
 * writes are throttled and retried and ingest runs at ~1,600 messages a second (~45 s for that dump instead of
 * ~8 s) unless the quota is raised. A start every message has (the organisation's domain) takes ~270 WCU/s on
 * each of its 32 keys, as the signer postings. A search: one round of Select-COUNT Queries on shard 0 of each
 * term's start (≤ 8, Limit 100, ≤ ~4 RRU each) picks the rarest, then the merge reads that start's 32 shards
 * with every term a `contains` filter (at most MAX_ROUNDS rounds a request), then one BatchGet for the page's
 * lines.
 *
 * Sorted listings (issue 14, dynamo-sorted-keys.ts). One index per sort (Date, sender, Subject, verdict), each
 * partitioned by the dump's own "<dump>#<shard>" (the table's partition key: ≤ ~70 bytes) and sorted by a string
 * attribute written on messages and unreadable entries, "<value prefix, escaped> U+0001 <locator key>" (≤ 1,024
 * bytes: the value's first 200 characters, ≤ 800 bytes, then the locator in the room left). DynamoDB keeps the
 * indexes with the item: re-verification puts the whole item again (entryItem), so a changed verdict or Subject
 * moves in its sort. Every filter is a FilterExpression on the sort's index (search terms on a copy of the
 * message's words, `words`), read in the bounded rounds above: a rare filter under a sort returns short pages and
 * a cursor rather than read the dump in one request.
 * - Projection: the listing and the words (SORTED_LISTING_ATTRIBUTES), not ALL. A filter can only read what its
 *   index copies, and a page's lines come straight from it; ALL would copy the record's evidence (~2–3 KB) into
 *   four more places: ~4 WCU per index write instead of 1–2, and four times the index storage.
 * - Item: the four keys (~50–150 bytes each for usual values, ≤ 1 KB each) and the words (~100–400 bytes, ≤ 2.1 KB
 *   for 64 words) add ~0.4–0.8 KB to a message's ~3 KB item (≤ ~6 KB at worst, far under 400 KB; a record kept in
 *   S3 keeps them on its pointer item).
 * - Writes: each index costs one write per item write, of its copy's size (~0.7–1.3 KB: 1–2 WCU): +4–8 WCU a
 *   message, ~+15% over its ~25–50 WCU with search postings; the 70,000-message dump ~+280,000–560,000 WRU
 *   (~$0.35–0.70 on demand). A re-verified message rewrites its copy in each index (its verdict and reasons are
 *   copied), the verdict sort's as a delete and a put: ~5 index writes. Per partition: an index partition takes
 *   a dump shard's messages, ~8,700 ÷ 32 ≈ 270 a second at full speed, ≤ ~540 WCU/s with 2-WCU copies: under
 *   the 1,000 WCU/s a partition key takes, whatever the values (a dump whose messages all share one Date or
 *   Subject spreads the same: the value is in the sort key, not the partition).
 * - Reads: a page is one round of 32 Queries (Limit ~ page/32 + 1, ~0.5 RRU each for a page of 50), more rounds
 *   only as filters drop items.
 * - Projected attributes: DynamoDB allows 100 over all of a table's indexes. Each listing index copies the n
 *   LISTING_ATTRIBUTES, each sorted one n + 1: 6n + 4, 82 with n = 13 (the stack's test holds it under 100).
 * - Dumps opened before these keys were written hold entries the sorted indexes do not list: their dump item
 *   lacks `sortKeys`, and a sorted listing of them is refused (UnsupportedQueryError, 400) rather than short.
 */

import type { MessageSortField } from '../../ports/verdict-store.ts';

/** Partitions a dump's entries, index keys, postings and counters are spread over. */
export const SHARDS = 32;
/** Partitions of the byStart index (dump items are few, and written a handful of times each). */
export const DUMP_LISTING_SHARDS = 4;
/** DynamoDB's limits on key values, in UTF-8 bytes, for tables and indexes alike. */
export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;
/** The dumps table's TTL attribute (epoch seconds): counted-once markers expire by it. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** An index: its keys, and what it copies of each item ('all', or these attributes beside the keys). */
export interface IndexDesign {
  indexName: string;
  partitionKey: string;
  sortKey: string;
  projection: 'all' | readonly string[];
}

export interface TableDesign {
  partitionKey: string;
  sortKey: string;
  /** The attribute DynamoDB's TTL deletes items by, if the table has one. */
  timeToLive?: string;
}

/**
 * What a message listing shows and filters on, kept on each entry item beside its record and copied by the
 * indexes that list entries: a listing never reads the evidence (about 2 KB a message), and the indexes do not
 * store it a second time.
 */
export const LISTING_ATTRIBUTES = [
  'verdict',
  'reasons',
  'messageId',
  'from',
  'sender',
  'senderDomain',
  'date',
  'subject',
  'signingDomains',
  /**
   * The shown fields whose value is not signed (display-fields.ts): a list of at most 5 short names, ≤ ~40 bytes
   * on the item and on each index copy and signer posting, so a message's writes keep their WCU (the ~1 KB index copy
   * stays 1 WCU). Items written before it lack it: read as null (not known).
   */
  'unsignedShown',
  /** The whole locator, when the key holds it shortened (over MAX_SORT_KEY_BYTES). */
  'locatorFull',
  /** The S3 key of a record too large for its item (see dynamo-record-blobs.ts). */
  'blob',
] as const;

/**
 * A listed entry's search words (dynamo-search-postings.ts), each after a space: on search postings, and on
 * entry items for a search within a sorted listing (a `contains` filter on the sorted index).
 */
export const SEARCH_WORDS_ATTRIBUTE = 'words';

/** What the sorted listings' indexes copy: the listing, and the words a search among them filters on. */
export const SORTED_LISTING_ATTRIBUTES = [...LISTING_ATTRIBUTES, SEARCH_WORDS_ATTRIBUTE] as const;

export const DUMPS_TABLE = {
  /** The dump id on its dump item; "<dump id>#<shard>" on its counters and markers. */
  partitionKey: 'dumpId',
  sortKey: 'item',
  timeToLive: TTL_ATTRIBUTE,
  /** Every dump item carries listing = "dumps#<shard>": the index lists all dumps, newest first, merging its shards. */
  byStart: { indexName: 'byStart', partitionKey: 'listing', sortKey: 'startedAt', projection: 'all' },
} as const;

export const VERDICTS_TABLE = {
  /** "<dumpId>#<shard>" */
  partitionKey: 'dumpShard',
  /** The locator key (shortened with a hash when too long for a sort key). */
  sortKey: 'locator',
  /** "<dumpId>#<verdict>#<shard>" on messages and errors (verdict "error"); skipped entries are not listed. */
  byVerdict: { indexName: 'byVerdict', partitionKey: 'dumpVerdict', sortKey: 'locator', projection: LISTING_ATTRIBUTES },
  /** "<dumpId>#<sender domain>#<shard>" on messages with a sender. */
  bySender: { indexName: 'bySender', partitionKey: 'dumpSender', sortKey: 'locator', projection: LISTING_ATTRIBUTES },
  /**
   * Sorted listings (see "Sorted listings" above): each over the dump's own SHARDS partitions ("<dumpId>#<shard>",
   * the table's partition key), sorted by a key written on messages and unreadable entries only (skipped entries
   * and documents lack it, so they are not in these indexes): dynamo-sorted-keys.ts.
   */
  sortedByDate: { indexName: 'sortedByDate', partitionKey: 'dumpShard', sortKey: 'sortDate', projection: SORTED_LISTING_ATTRIBUTES },
  sortedByFrom: { indexName: 'sortedByFrom', partitionKey: 'dumpShard', sortKey: 'sortFrom', projection: SORTED_LISTING_ATTRIBUTES },
  sortedBySubject: { indexName: 'sortedBySubject', partitionKey: 'dumpShard', sortKey: 'sortSubject', projection: SORTED_LISTING_ATTRIBUTES },
  sortedByVerdict: { indexName: 'sortedByVerdict', partitionKey: 'dumpShard', sortKey: 'sortVerdict', projection: SORTED_LISTING_ATTRIBUTES },
} as const;

/** The index serving each sort of a message listing (MessageQuery.sort). */
export const SORTED_LISTINGS: Record<MessageSortField, IndexDesign> = {
  date: VERDICTS_TABLE.sortedByDate,
  from: VERDICTS_TABLE.sortedByFrom,
  subject: VERDICTS_TABLE.sortedBySubject,
  verdict: VERDICTS_TABLE.sortedByVerdict,
};

export const POSTINGS_TABLE = {
  partitionKey: 'posting',
  sortKey: 'item',
} as const;

export const KEYS_TABLE = {
  partitionKey: 'selectorName',
  sortKey: 'valueHash',
  /** Every record of a domain: `keys?domain=`. Key items are small: the index copies them whole. */
  byDomain: { indexName: 'byDomain', partitionKey: 'domain', sortKey: 'selector', projection: 'all' },
} as const;

/** The indexes a table design names: its members that have an indexName. */
export function indexesOf(design: object): IndexDesign[] {
  return Object.values(design).filter(
    (value): value is IndexDesign => typeof value === 'object' && value !== null && 'indexName' in value,
  );
}
