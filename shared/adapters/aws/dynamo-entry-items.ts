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
import { POSTINGS_TABLE, VERDICTS_TABLE } from './table-design.ts';

export type Item = Record<string, unknown>;

/** The posting partition of the selector registry: one item per (domain, selector) ever seen. */
export const SELECTORS_POSTING = 'selectors';

/**
 * One part of a composite key. "#" separates the parts, so it is escaped inside one ("%" first, to keep the
 * escaping reversible): a d= of "a#b" cannot read as domain "a" followed by something else.
 */
export function keyPart(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('#', '%23');
}

/** Partition of the postings of a dump's messages signed by `domain`, sorted by locator. */
export function signerPosting(dumpId: string, domain: string): string {
  return `signer#${keyPart(dumpId)}#${keyPart(domain)}`;
}

/** Partition of the signatures by one (domain, selector), across dumps. */
export function selectorPosting(domain: string, selector: string): string {
  return `selector#${keyPart(domain)}#${keyPart(selector)}`;
}


/** The listing as top-level attributes (LISTING_ATTRIBUTES), what the listing indexes copy. */
function listingAttributes(listing: MessageListing): Item {
  const { locator, ...shown } = listing;
  return { locator, ...shown, senderDomain: senderDomainOf(listing.sender) };
}

/**
 * An entry's item in the verdicts table: the record whole (JSON), the listing attributes, the keys of the
 * indexes that list it (by verdict, errors under "error"; by sender domain) and the rules version it was
 * verified by. Skipped entries are stored, never listed.
 */
export function entryItem(dumpId: string, entry: EntryRecord): Item {
  const item: Item = { dumpId, locator: locatorKey(entry.locator), kind: entry.kind, record: JSON.stringify(entry) };
  if (entry.kind === 'skipped') return item;
  const listing = listingAttributes(messageListingOf(entry));
  Object.assign(item, listing);
  item[VERDICTS_TABLE.byVerdict.partitionKey] = `${dumpId}#${listing.verdict as string}`;
  if (listing.senderDomain !== null) item[VERDICTS_TABLE.bySender.partitionKey] = `${dumpId}#${listing.senderDomain as string}`;
  if (entry.kind === 'message') item.rulesVersion = entry.rulesVersion;
  return item;
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
 * else), and one per signature by a (domain, selector), carrying what re-verification selects on.
 */
export function postingItems(dumpId: string, record: MessageRecord): Item[] {
  const listing = listingAttributes(messageListingOf(record));
  const locator = locatorKey(record.locator);
  const signers = signingDomains(record.signatures).map((domain) => ({
    [POSTINGS_TABLE.partitionKey]: signerPosting(dumpId, domain),
    [POSTINGS_TABLE.sortKey]: locator,
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
    return { [POSTINGS_TABLE.partitionKey]: selectorPosting(domain, selector), [POSTINGS_TABLE.sortKey]: `${keyPart(dumpId)}#${locator}#${index}`, ...use };
  });
  return [...signers, ...uses];
}

/** The registry item of a (domain, selector): written with every batch that uses it, the same each time. */
export function selectorItem(domain: string, selector: string): Item {
  return { [POSTINGS_TABLE.partitionKey]: SELECTORS_POSTING, [POSTINGS_TABLE.sortKey]: `${keyPart(domain)}#${keyPart(selector)}`, domain, selector };
}

/** The key of a postings-table item. */
export function postingKey(item: Item): Item {
  return { [POSTINGS_TABLE.partitionKey]: item[POSTINGS_TABLE.partitionKey], [POSTINGS_TABLE.sortKey]: item[POSTINGS_TABLE.sortKey] };
}

/** The record an entry item holds, with the fields records stored before they existed would lack filled in. */
export function storedRecordOf(item: Item): EntryRecord {
  const record = JSON.parse(item.record as string) as EntryRecord;
  if (record.kind !== 'message') return record;
  const stored = record as Partial<MessageRecord> & MessageRecord;
  return {
    ...stored,
    sender: stored.sender ?? null,
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
    locator: item.locator as string,
    verdict: item.verdict as MessageListing['verdict'],
    reasons: (item.reasons as MessageListing['reasons'] | undefined) ?? [],
    messageId: text('messageId'),
    from: text('from'),
    sender: text('sender'),
    date: text('date'),
    subject: text('subject'),
    signingDomains: (item.signingDomains as string[] | undefined) ?? [],
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
