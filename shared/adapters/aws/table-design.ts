/**
 * The DynamoDB tables, as both the CDK stack (infra/) and the adapters read them: one place for key names,
 * so the stack and the code that queries it cannot drift apart. Every attribute named here is a string.
 *
 * - dumps: one item per dump (item = "dump": status, counts by verdict and reason) plus one counter item per
 *   signing domain (item = "domain#<d>"): a dump's summary is one Query on its partition.
 * - verdicts: one item per entry (dump, locator); the indexes answer "a dump's messages by verdict" and "by
 *   signing domain" with a Query, never a Scan.
 * - keys: the key archive, one item per (selector, domain, key value).
 */
export const DUMPS_TABLE = {
  partitionKey: 'dumpId',
  sortKey: 'item',
  /** Every dump item carries listing = "dumps": the index lists all dumps, newest first, with a Query. */
  byStart: { indexName: 'byStart', partitionKey: 'listing', sortKey: 'startedAt' },
} as const;

export const VERDICTS_TABLE = {
  partitionKey: 'dumpId',
  sortKey: 'locator',
  byVerdict: { indexName: 'byVerdict', partitionKey: 'dumpVerdict', sortKey: 'locator' },
  byDomain: { indexName: 'byDomain', partitionKey: 'dumpDomain', sortKey: 'locator' },
} as const;

export const KEYS_TABLE = {
  partitionKey: 'selectorName',
  sortKey: 'valueHash',
} as const;
