/**
 * The postings of files and copies (issue 11): what a document or a message's attachments are looked up by
 * across the whole store, each lookup a Query of SHARDS partitions (see table-design.ts for the arithmetic):
 *
 * - "file#<sha256>#<shard>": every document and every attachment with those bytes, in any dump;
 * - "name#<lower-cased name>#<shard>", "docid#<document id>#<shard>": attachments by file name and by the
 *   document identity their metadata names (what a loose document is compared against);
 * - "identity#<messageIdentityOf>#<shard>": every copy of a message, with its verdict;
 * - "authors#<organisational domain>#<shard>": the author and last-modifier names on the attachments of verified
 *   messages from that organisation, one item per distinct name in a shard;
 * - "documents#<dump>#<shard>": a dump's documents with what their listing shows and filters on.
 *
 * The shard of a place is a hash of where it is (dump, locator), never of the key looked up: one attachment
 * carried by 10,000 messages, or "image001.png" in every Outlook message of a dump, spreads over SHARDS
 * partitions instead of making one hot. Attachment postings carry the carrying message's verdict, reasons,
 * From and Date: they are message postings (postingItems), so replaceMessages rewrites them with the verdict
 * it stores and a lookup never reads a verdict older than the entry's.
 */
import { authorNamesOf } from '../../documents/author-names.ts';
import { cutText } from '../../text/cut-text.ts';
import type { AttachmentRecord, FilePlace, Provenance } from '../../documents/contract.ts';
import { locatorKey } from '../../dump/entry.ts';
import { messageIdentityOf } from '../../provenance/message-identity.ts';
import { senderDomainOf, type DocumentListing, type DocumentRecord, type FileKey, type MessageRecord } from '../../ports/verdict-store.ts';
import type { Verdict } from '../../verdict/contract.ts';
import { organizationalDomain } from '../../verdict/organizational-domain.ts';
import { boundedPartitionKey, boundedSortKey, keyPart, shardOf } from './dynamo-keys.ts';
import { POSTINGS_TABLE } from './table-design.ts';

type Item = Record<string, unknown>;

/** The posting kinds this module writes, by the prefix of their partition. */
export const FILE_POSTING = 'file';
export const NAME_POSTING = 'name';
export const DOCUMENT_ID_POSTING = 'docid';
export const IDENTITY_POSTING = 'identity';
export const AUTHORS_POSTING = 'authors';
export const DOCUMENTS_POSTING = 'documents';

/**
 * Longest From or file name a place posting keeps (cut with "…"): a hostile 250 KB From would otherwise be
 * written again in every posting of every attachment. The entry keeps it whole.
 */
const MAX_PLACE_TEXT_CHARS = 2048;

function capped(text: string | null): string | null {
  return text === null ? null : cutText(text, MAX_PLACE_TEXT_CHARS);
}

/** The shard of a place: its dump and locator, so the places of one hot key spread evenly. */
export function placeShard(dumpId: string, locator: string): number {
  return shardOf(`${dumpId}\n${locator}`);
}

/** A file name as looked up: lower-cased, whole. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** The partition of the places of a file key in one shard. */
export function filePartition(key: FileKey, shard: number): string {
  if ('sha256' in key) return boundedPartitionKey(`${FILE_POSTING}#${keyPart(key.sha256.toLowerCase())}#${shard}`);
  if ('name' in key) return boundedPartitionKey(`${NAME_POSTING}#${keyPart(nameKey(key.name))}#${shard}`);
  return boundedPartitionKey(`${DOCUMENT_ID_POSTING}#${keyPart(key.documentId)}#${shard}`);
}

export function identityPartition(identity: string, shard: number): string {
  return boundedPartitionKey(`${IDENTITY_POSTING}#${keyPart(identity)}#${shard}`);
}

export function authorsPartition(organisation: string, shard: number): string {
  return boundedPartitionKey(`${AUTHORS_POSTING}#${keyPart(organisation.toLowerCase())}#${shard}`);
}

export function documentsPartition(dumpId: string, shard: number): string {
  return `${DOCUMENTS_POSTING}#${keyPart(dumpId)}#${shard}`;
}

/** Where a place sorts: by dump, then locator, then MIME path; across dumps, so one Query answers for the store. */
function placeSortKey(dumpId: string, locator: string, mimePath: string | null): string {
  return boundedSortKey(`${keyPart(dumpId)}#${locator}#${mimePath ?? ''}`);
}

function posting(partition: string, sortKey: string, attributes: Item): Item {
  return { [POSTINGS_TABLE.partitionKey]: partition, [POSTINGS_TABLE.sortKey]: sortKey, ...attributes };
}

/** A document's postings: its bytes (file#), and its line in the dump's document listing. */
export function documentPostings(dumpId: string, record: DocumentRecord): Item[] {
  const locator = locatorKey(record.locator);
  const place: FilePlace = { dumpId, locator, kind: 'document', mimePath: null, name: capped(record.name), sha256: record.sha256, verdict: null, reasons: [], from: null, date: null, coveredBy: [] };
  return [
    posting(filePartition({ sha256: record.sha256 }, placeShard(dumpId, locator)), placeSortKey(dumpId, locator, null), place as unknown as Item),
    documentListingPosting(dumpId, record),
  ];
}

/** A document's line in its dump's listing: what listDocuments shows, and the attributes its filters read. */
export function documentListingPosting(dumpId: string, record: DocumentRecord): Item {
  const locator = locatorKey(record.locator);
  const sortKey = boundedSortKey(locator);
  return posting(documentsPartition(dumpId, placeShard(dumpId, locator)), sortKey, {
    ...(sortKey === locator ? {} : { locatorFull: locator }),
    name: record.name,
    nameKey: record.name === null ? null : nameKey(record.name),
    size: record.size,
    sha256: record.sha256,
    detectedType: record.detectedType,
    typeKey: record.detectedType ?? 'unknown',
    provenance: record.provenance?.provenance ?? null,
  });
}

/** The listing line of a document posting. */
export function documentListingOf(item: Item): DocumentListing {
  return {
    locator: (item.locatorFull as string | undefined) ?? (item[POSTINGS_TABLE.sortKey] as string),
    name: (item.name as string | null | undefined) ?? null,
    size: item.size as number,
    sha256: item.sha256 as string,
    detectedType: (item.detectedType as string | null | undefined) ?? null,
    provenance: (item.provenance as Provenance | null | undefined) ?? null,
  };
}

/**
 * A message's file and copy postings: each attachment under its bytes, its name and its document identity; the
 * message under its identity; and, when it is verified, the authors on its attachments under its organisation.
 */
export function messageFilePostings(dumpId: string, record: MessageRecord): Item[] {
  const locator = locatorKey(record.locator);
  const shard = placeShard(dumpId, locator);
  const items: Item[] = [];
  for (const attachment of record.attachments ?? []) {
    const place = attachmentPlace(dumpId, locator, record, attachment);
    const at = placeSortKey(dumpId, locator, attachment.mimePath);
    items.push(posting(filePartition({ sha256: attachment.sha256 }, shard), at, place));
    if (attachment.name !== null && attachment.name !== '') items.push(posting(filePartition({ name: attachment.name }, shard), at, place));
    const documentId = attachment.metadata?.fields.documentId;
    if (documentId) items.push(posting(filePartition({ documentId }, shard), at, place));
  }
  const identity = messageIdentityOf(record);
  if (identity !== null) items.push(posting(identityPartition(identity, shard), placeSortKey(dumpId, locator, null), { dumpId, locator, verdict: record.verdict }));
  items.push(...authorPostings(dumpId, record));
  return items;
}

/** The authors a verified message's attachments name, one item per distinct name in the message's shard. */
export function authorPostings(dumpId: string, record: MessageRecord): Item[] {
  const domain = senderDomainOf(record.sender ?? null);
  if (record.verdict !== 'verified' || domain === null) return [];
  const organisation = organizationalDomain(domain);
  const shard = placeShard(dumpId, locatorKey(record.locator));
  return authorNamesOf(record.attachments ?? []).map((name) => posting(authorsPartition(organisation, shard), boundedSortKey(name), { author: name }));
}

/** Whether a posting is an author name: shared by every verified message of its shard that names it, so never deleted with one of them. */
export function isSharedPosting(item: Item): boolean {
  return (item[POSTINGS_TABLE.partitionKey] as string).startsWith(`${AUTHORS_POSTING}#`);
}

function attachmentPlace(dumpId: string, locator: string, record: MessageRecord, attachment: AttachmentRecord): Item {
  const place: FilePlace = {
    dumpId,
    locator,
    kind: 'attachment',
    mimePath: attachment.mimePath,
    name: capped(attachment.name),
    sha256: attachment.sha256,
    verdict: record.verdict,
    reasons: record.reasons,
    from: capped(record.from),
    date: record.date,
    coveredBy: [...new Set(attachment.coveredBy.flatMap((index) => record.signatures[index]?.d?.trim().toLowerCase() ?? []))],
  };
  return place as unknown as Item;
}

/** A place from its posting. */
export function filePlaceOf(item: Item): FilePlace {
  return {
    dumpId: item.dumpId as string,
    locator: item.locator as string,
    kind: item.kind as FilePlace['kind'],
    mimePath: (item.mimePath as string | null | undefined) ?? null,
    name: (item.name as string | null | undefined) ?? null,
    sha256: item.sha256 as string,
    verdict: (item.verdict as Verdict | null | undefined) ?? null,
    reasons: (item.reasons as FilePlace['reasons'] | undefined) ?? [],
    from: (item.from as string | null | undefined) ?? null,
    date: (item.date as string | null | undefined) ?? null,
    coveredBy: (item.coveredBy as string[] | undefined) ?? [],
  };
}
