/**
 * How an entry is laid out in DynamoDB (see table-design.ts): its item in the verdicts table, and the postings
 * that index what a single item cannot (a message has several signing domains and signatures). Reading goes
 * back the other way: a stored record, a listing line, a selector use.
 */
import { locatorKey } from '../../dump/entry.ts';
import { messageListingOf } from '../../pipeline/message-listing.ts';
import {
  senderDomainOf,
  type EntryRecord,
  type MessageListing,
  type MessageRecord,
  type SelectorUse,
} from '../../ports/verdict-store.ts';
import type { SignatureEvidence } from '../../verdict/contract.ts';
import { signingDomains } from '../../verdict/signing-domains.ts';
import { messageFilePostings } from './dynamo-file-postings.ts';
import { searchPostings, wordsAttributeOf, WORDS_ATTRIBUTE } from './dynamo-search-postings.ts';
import { sortKeyAttributes } from './dynamo-sorted-keys.ts';
import { boundedPartitionKey, boundedSortKey, keyPart, shardOf } from './dynamo-keys.ts';
import { POSTINGS_TABLE, VERDICTS_TABLE } from './table-design.ts';

export type Item = Record<string, unknown>;
export { keyPart };

/** The shard of an entry: by its locator key, so a dump's entries spread evenly and each is found directly. */
export function entryShard(locator: string): number {
  return shardOf(locator);
}

/** The partition of a dump's shard in the verdicts table. */
export function verdictPartition(dumpId: string, shard: number): string {
  return `${keyPart(dumpId)}#${shard}`;
}

/** The key of an entry's item in the verdicts table. */
export function verdictKey(dumpId: string, locator: string): Item {
  return { [VERDICTS_TABLE.partitionKey]: verdictPartition(dumpId, entryShard(locator)), [VERDICTS_TABLE.sortKey]: boundedSortKey(locator) };
}

/** The byVerdict partition of a verdict in a dump's shard. */
export function verdictIndexPartition(dumpId: string, verdict: string, shard: number): string {
  return `${keyPart(dumpId)}#${verdict}#${shard}`;
}

/** The bySender partition of a sender domain in a dump's shard. */
export function senderIndexPartition(dumpId: string, senderDomain: string, shard: number): string {
  return boundedPartitionKey(`${keyPart(dumpId)}#${keyPart(senderDomain)}#${shard}`);
}

/** The whole locator key of an item of the verdicts table (or an index copy, or a signer posting). */
export function locatorOfItem(item: Item): string {
  return (item.locatorFull as string | undefined) ?? (item.locator as string);
}

/** The posting partition of the selector registry: one item per (domain, selector) ever seen. */
export const SELECTORS_POSTING = 'selectors';

/** Partition of the postings of a dump's messages signed by `domain` in one shard, sorted by locator. */
export function signerPosting(dumpId: string, domain: string, shard: number): string {
  return boundedPartitionKey(`signer#${keyPart(dumpId)}#${keyPart(domain)}#${shard}`);
}

/** Partition of the signatures by one (domain, selector) in one shard, across dumps. */
export function selectorPosting(domain: string, selector: string, shard: number): string {
  return boundedPartitionKey(`selector#${keyPart(domain)}#${keyPart(selector)}#${shard}`);
}

/** Where a signature's selector posting sorts: by dump, then locator, then its place among the signatures. */
function selectorUseKey(dumpId: string, locator: string, index: number): string {
  return boundedSortKey(`${keyPart(dumpId)}#${locator}#${index}`);
}


/** The listing as top-level attributes (LISTING_ATTRIBUTES), what the listing indexes copy. */
function listingAttributes(listing: MessageListing): Item {
  const { locator, ...shown } = listing;
  return { locator, ...shown, senderDomain: senderDomainOf(listing.sender) };
}

/**
 * An entry's item in the verdicts table: the record whole (JSON), the listing attributes, the keys of the
 * indexes that list it (by verdict, errors under "error"; by sender domain) and the rules version it was
 * verified by. Skipped entries and documents are stored, never listed with messages (documents have their own
 * listing postings, dynamo-file-postings.ts).
 */
export function entryItem(dumpId: string, entry: EntryRecord): Item {
  const locator = locatorKey(entry.locator);
  const shard = entryShard(locator);
  const item: Item = { ...verdictKey(dumpId, locator), dumpId, kind: entry.kind, record: JSON.stringify(entry) };
  if (item[VERDICTS_TABLE.sortKey] !== locator) item.locatorFull = locator;
  if (entry.kind === 'skipped') return item;
  if (entry.kind === 'document') return { ...item, provenance: entry.provenance?.provenance ?? null };
  const { locator: _locator, ...listing } = listingAttributes(messageListingOf(entry));
  Object.assign(item, listing);
  item[VERDICTS_TABLE.byVerdict.partitionKey] = verdictIndexPartition(dumpId, listing.verdict as string, shard);
  if (listing.senderDomain !== null) item[VERDICTS_TABLE.bySender.partitionKey] = senderIndexPartition(dumpId, listing.senderDomain as string, shard);
  // Its place in each sorted listing, rewritten with the item (a re-verified verdict moves in the verdict sort).
  Object.assign(item, sortKeyAttributes(listing as Pick<MessageListing, 'date' | 'sender' | 'subject' | 'verdict'>, locator));
  if (entry.kind === 'message') {
    item.rulesVersion = entry.rulesVersion;
    // What a search within a sorted listing filters on (the sort's index has no search postings to read).
    const words = wordsAttributeOf(entry);
    if (words !== null) item[WORDS_ATTRIBUTE] = words;
  }
  return item;
}

/** A listing attribute an item keeps beside a pointer to its record in S3 is at most this long (the rest is read from S3). */
const POINTER_ITEM_ATTRIBUTE_BYTES = 1024;
/** What an item keeps whatever its size: its keys, what a Query filters or selects on. */
const KEPT_ATTRIBUTES = new Set(['dumpId', 'kind', 'verdict', 'reasons', WORDS_ATTRIBUTE, 'rulesVersion', 'revision', 'replacedBy', 'locatorFull', 'provenance', 'provenanceRevision', 'provenanceMovedFrom', ...Object.values(VERDICTS_TABLE).flatMap((value) => (typeof value === 'string' ? [value] : [value.partitionKey, value.sortKey]))]);

/**
 * An item whose heavy attributes (record, replacedFrom) were put in S3 under `blob`: it keeps its keys, what
 * queries filter on, and every listing attribute short enough; a listing of it reads the record from S3.
 */
export function pointerItem(item: Item, blob: string): Item {
  const kept: Item = { blob };
  for (const [name, value] of Object.entries(item)) {
    if (name === 'record' || name === 'replacedFrom') continue;
    if (KEPT_ATTRIBUTES.has(name) || Buffer.byteLength(JSON.stringify(value ?? null)) <= POINTER_ITEM_ATTRIBUTE_BYTES) kept[name] = value;
  }
  return kept;
}

/** Each signature naming both d= and s= (trimmed, lower-cased), with its position in the message's signatures. */
export function selectorsSigning(signatures: readonly SignatureEvidence[]): { index: number; domain: string; selector: string }[] {
  return signatures.flatMap((signature, index) => {
    const domain = signature.d?.trim().toLowerCase();
    const selector = signature.s?.trim().toLowerCase();
    return domain && selector ? [{ index, domain, selector }] : [];
  });
}

/**
 * A message's postings: one per signing domain, carrying its listing (so a listing by domain reads nothing
 * else), one per signature by a (domain, selector), carrying what re-verification selects on, those of its search
 * words (dynamo-search-postings.ts), and those of its attachments and identity (dynamo-file-postings.ts).
 */
export function postingItems(dumpId: string, record: MessageRecord, blob?: string): Item[] {
  const locator = locatorKey(record.locator);
  const shard = entryShard(locator);
  const whole = listingAttributes(messageListingOf(record));
  // Beside a record kept in S3, postings carry only what an item of it keeps: a listing reads the rest from there.
  const listing = blob === undefined ? whole : pointerItem({ ...whole, locatorFull: locator }, blob);
  const signers = signingDomains(record.signatures).map((domain) => ({
    [POSTINGS_TABLE.partitionKey]: signerPosting(dumpId, domain, shard),
    [POSTINGS_TABLE.sortKey]: boundedSortKey(locator),
    ...listing,
  }));
  const uses = selectorsSigning(record.signatures).map(({ index, domain, selector }) => {
    const signature = record.signatures[index]!;
    const use: SelectorUse = {
      dumpId,
      locator,
      verdict: record.verdict,
      rulesVersion: record.rulesVersion,
      status: signature.status,
      keyRecord: signature.key?.record ?? null,
      keyCompromisedAt: signature.key?.compromisedAt ?? null,
    };
    return { [POSTINGS_TABLE.partitionKey]: selectorPosting(domain, selector, selectorShard(dumpId, locator)), [POSTINGS_TABLE.sortKey]: selectorUseKey(dumpId, locator, index), ...use };
  });
  return [...signers, ...uses, ...searchPostings(dumpId, record, shard, locator, whole), ...messageFilePostings(dumpId, record)];
}

/** The shard of a message's selector postings: its dump's messages spread over them. */
export function selectorShard(dumpId: string, locator: string): number {
  return shardOf(`${dumpId}\n${locator}`);
}

/** The registry item of a (domain, selector): written with every batch that uses it, the same each time. */
export function selectorItem(domain: string, selector: string): Item {
  return { [POSTINGS_TABLE.partitionKey]: SELECTORS_POSTING, [POSTINGS_TABLE.sortKey]: `${keyPart(domain)}#${keyPart(selector)}`, domain, selector };
}

/** The key of a postings-table item. */
export function postingKey(item: Item): Item {
  return { [POSTINGS_TABLE.partitionKey]: item[POSTINGS_TABLE.partitionKey], [POSTINGS_TABLE.sortKey]: item[POSTINGS_TABLE.sortKey] };
}

/** A stored record (its JSON), with the fields records stored before they existed would lack filled in. */
export function storedRecordOf(json: string): EntryRecord {
  const record = JSON.parse(json) as EntryRecord;
  if (record.kind !== 'message') return record;
  const stored = record as Partial<MessageRecord> & MessageRecord;
  return {
    ...stored,
    sender: stored.sender ?? null,
    to: stored.to ?? null,
    cc: stored.cc ?? null,
    unsignedShown: stored.unsignedShown ?? null,
    history: stored.history ?? [],
    rulesVersion: stored.rulesVersion ?? 1,
    signatures: stored.signatures.map((signature) =>
      signature.key ? { ...signature, key: { ...signature.key, compromisedAt: signature.key.compromisedAt ?? null } } : signature,
    ),
  };
}

/** A listing line from an item holding the listing attributes (an entry item, an index copy, a signer posting). */
export function listingFromItem(item: Item): MessageListing {
  const text = (name: string) => (item[name] as string | null | undefined) ?? null;
  return {
    locator: locatorOfItem(item),
    verdict: item.verdict as MessageListing['verdict'],
    reasons: (item.reasons as MessageListing['reasons'] | undefined) ?? [],
    messageId: text('messageId'),
    from: text('from'),
    sender: text('sender'),
    date: text('date'),
    subject: text('subject'),
    signingDomains: (item.signingDomains as string[] | undefined) ?? [],
    // Items written before it was computed lack it: not known (an error shows nothing, so nothing unsigned).
    unsignedShown: (item.unsignedShown as MessageListing['unsignedShown'] | undefined) ?? (item.verdict === 'error' ? [] : null),
  };
}

/** A selector use from its posting. */
export function selectorUseOf(item: Item): SelectorUse {
  return {
    dumpId: item.dumpId as string,
    locator: item.locator as string,
    verdict: item.verdict as SelectorUse['verdict'],
    rulesVersion: item.rulesVersion as number,
    status: item.status as SelectorUse['status'],
    keyRecord: (item.keyRecord as string | null | undefined) ?? null,
    keyCompromisedAt: (item.keyCompromisedAt as string | null | undefined) ?? null,
  };
}
