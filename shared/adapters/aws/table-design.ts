/**
 * The DynamoDB tables, as both the CDK stack (infra/) and the adapters read them: one place for key names and
 * indexes, so the stack, the test emulators and the code that queries them cannot drift apart. Every key
 * attribute named here is a string. Every question the adapters ask is a Query (never a Scan).
 *
 * - dumps: one item per dump (item = "dump": status, counts by verdict, reason, rules version) plus counter
 *   items in the dump's partition (item = "domain#<d>", "sender#<d>", "month#<YYYY-MM>"): a dump's summary is
 *   a GetItem and three prefix Queries of its partition.
 * - verdicts: one item per entry (dump, locator): the record whole (JSON) plus the few attributes a listing shows
 *   or filters on (LISTING_ATTRIBUTES). Its indexes list a dump's entries by verdict and by sender domain.
 * - postings: what an entry cannot index by itself because it holds several of them: one item per (message,
 *   signing domain) ("signer#<dump>#<domain>", by locator) and per signature by a (domain, selector)
 *   ("selector#<domain>#<selector>", across dumps), and the registry of selectors seen ("selectors").
 * - keys: the key archive, one item per (selector, domain, key value); by domain through its index.
 */

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
] as const;

export const DUMPS_TABLE = {
  partitionKey: 'dumpId',
  sortKey: 'item',
  /** Every dump item carries listing = "dumps": the index lists all dumps, newest first, with a Query. */
  byStart: { indexName: 'byStart', partitionKey: 'listing', sortKey: 'startedAt', projection: 'all' },
} as const;

export const VERDICTS_TABLE = {
  partitionKey: 'dumpId',
  sortKey: 'locator',
  /** "<dumpId>#<verdict>" on messages and errors (verdict "error"); skipped entries are not listed. */
  byVerdict: { indexName: 'byVerdict', partitionKey: 'dumpVerdict', sortKey: 'locator', projection: LISTING_ATTRIBUTES },
  /** "<dumpId>#<sender domain>" on messages with a sender. */
  bySender: { indexName: 'bySender', partitionKey: 'dumpSender', sortKey: 'locator', projection: LISTING_ATTRIBUTES },
} as const;

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
