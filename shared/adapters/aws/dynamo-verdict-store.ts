/**
 * The verdict store on DynamoDB (tables in table-design.ts). Entries are written as whole items, idempotent per
 * (dump, locator), spread over shards by locator, with postings for what one item cannot index (every signing
 * domain, every signature's selector). The dump's counts are kept on counter shards, updated once per batch of
 * entries, not once per message (see dynamo-counters.ts). A dump is complete exactly when its entries add up to
 * what was located.
 *
 * No entry can fail its batch: a record too large for an item is kept in S3 with a pointer (dynamo-record-blobs.ts),
 * keys too long for DynamoDB are shortened with a hash (dynamo-keys.ts), and an entry DynamoDB still refuses is
 * stored as an `error` entry saying why.
 *
 * Order of writes, so that a retry after a crash at any point ends in the same state:
 * - putEntries: items and postings, then counts. A batch counted (its marker there) is a batch written, so a
 *   redelivered batch that finds its marker only finishes the counting it records (and cannot put back a
 *   verdict re-verified since).
 * - replaceMessages: items first, each on the condition that its revision is still the one read, and marked with
 *   the batch and the record it replaced; then counts; then postings. Of two runs replacing one message at
 *   once, only one writes it, and only the writer counts the move. A retry after a crash finds the items this
 *   batch already wrote by their mark, counts their moves from the records they replaced (once: the batch id
 *   guards the counters), and writes the postings.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { locatorKey } from '../../dump/entry.ts';
import { exportRecordOf } from '../../pipeline/entry-record.ts';
import { mapConcurrently } from '../../pipeline/map-concurrently.ts';
import { messageListingOf } from '../../pipeline/message-listing.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { FilePlace, Provenance, ProvenanceEvidence } from '../../documents/contract.ts';
import type {
  DocumentPage,
  DocumentQuery,
  DocumentRecord,
  DumpOverview,
  DumpRecord,
  DumpStatus,
  DumpSummary,
  EntryRecord,
  ExportRecord,
  FileKey,
  MessageListing,
  MessagePage,
  MessageQuery,
  MessageRecord,
  SelectorUse,
  VerdictStore,
} from '../../ports/verdict-store.ts';
import { UnsupportedQueryError } from '../../ports/verdict-store.ts';
import { REASONS, type Verdict } from '../../verdict/contract.ts';
import { getAll, putsOf, writeAll, type WriteRequest } from './dynamo-batch.ts';
import { COUNTING_LEASE, countOnce, difference, finishCounting, readCounters, readMarker, readTotals, tallyOf, TOTAL, verdictCountsOf, type CountingLease, type Tally } from './dynamo-counters.ts';
import { documentShardQueries, listDocuments } from './dynamo-document-listing.ts';
import {
  allIn,
  countsOf,
  dumpKey,
  dumpListingPartition,
  dumpOverviewOf,
  dumpRecordOf,
  newDumpItem,
  SORT_KEYS_ATTRIBUTE,
  provenanceCount,
  provenanceCountsOf,
  reasonCount,
  rulesVersionsOf,
  type DumpCounts,
} from './dynamo-dump-item.ts';
import {
  entryItem,
  keyPart,
  listingFromItem,
  locatorOfItem,
  pointerItem,
  postingItems,
  postingKey,
  selectorItem,
  selectorPosting,
  selectorsSigning,
  selectorUseOf,
  SELECTORS_POSTING,
  storedRecordOf,
  verdictKey,
  verdictPartition,
  type Item,
} from './dynamo-entry-items.ts';
import { authorsPartition, documentListingPosting, documentPostings, documentsPartition, filePartition, filePlaceOf, identityPartition, isSharedPosting } from './dynamo-file-postings.ts';
import { itemSizeBound } from './dynamo-item-size.ts';
import { allShards, boundedSortKey } from './dynamo-keys.ts';
import { listMessages } from './dynamo-message-listing.ts';
import { queryAll } from './dynamo-query.ts';
import { RecordBlobs, type HeavyAttributes } from './dynamo-record-blobs.ts';
import { ShardMerge } from './dynamo-shard-merge.ts';
import { DUMP_LISTING_SHARDS, DUMPS_TABLE, POSTINGS_TABLE, VERDICTS_TABLE } from './table-design.ts';

export type { DumpCounts } from './dynamo-dump-item.ts';

/**
 * Where a dump stands after a write: entries still to come; all in, its documents' provenance to be settled
 * (the host queues the settling, see functions/split.ts); or complete.
 */
export type DumpProgress = 'incomplete' | 'settle' | 'complete';

export interface DynamoTables {
  dumps: string;
  verdicts: string;
  postings: string;
}

export interface DynamoStoreOptions {
  /** Where records too large for an item go (the dumps bucket, under records/). Without it they are stored as errors. */
  blobs?: BlobStore;
  /** How a batch's counting is owned (dynamo-counters.ts); tests shorten it to stand for time passing. */
  countingLease?: CountingLease;
}

/** A batch of entries as one unit of counting: a worker's job, with the entries it found beyond one per unit. */
export interface EntryBatch {
  id: string;
  /** Entries beyond the located units (a container where a message was expected yields all its entries). */
  extraLocated: number;
}

/** Selectors this process has registered: a worker sees the same few thousand again in every batch. */
const REMEMBERED_SELECTORS = 50_000;
/**
 * An item estimated larger than this keeps its record in S3. Well under DynamoDB's 400 KB item limit, and a
 * bound on what one entry costs a hot partition (1 WCU per KB, for the item and again for each index copy): a
 * usual record is ~3 KB, so only hostile or freak messages go to S3.
 */
export const RECORD_OFFLOAD_BYTES = 64 * 1024;
/** DynamoDB's item limit (400 KB, names and values). */
const MAX_ITEM_BYTES = 400 * 1024;
/** Longest detail an entry stored as an error in place of one that could not be stored keeps of the reason. */
const MAX_STORE_ERROR_DETAIL = 1000;
/** Items read in parallel from S3 or put conditionally at once. */
const PARALLEL_ITEMS = 16;
/** Items a whole-dump walk reads per shard and Query: pages of whole records, SHARDS of them held at once. */
const WALK_PAGE_ITEMS = 100;
/** Most distinct names verifiedAuthors answers with (the port says capped). */
export const MAX_VERIFIED_AUTHORS = 1000;
/** Tries of setProvenance against others changing the same document at the same moment (a settle delivered twice). */
const PROVENANCE_ATTEMPTS = 8;
/** What a document's `provenanceMovedFrom` says when it had no provenance before. */
const UNDECIDED = 'undecided';

/** An entry as it went into the store: its record (an error in its place when it could not be stored) and the S3 key of its record, if there. */
interface StoredEntry {
  entry: EntryRecord;
  item: Item;
  blob?: string;
}

export class DynamoVerdictStore implements VerdictStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #tables: DynamoTables;
  readonly #blobs: RecordBlobs | undefined;
  readonly #lease: CountingLease;
  readonly #registeredSelectors = new Set<string>();

  constructor(db: DynamoDBDocumentClient, tables: DynamoTables, options: DynamoStoreOptions = {}) {
    this.#db = db;
    this.#tables = tables;
    this.#blobs = options.blobs ? new RecordBlobs(options.blobs) : undefined;
    this.#lease = options.countingLease ?? COUNTING_LEASE;
  }

  /** A new dump starts as "splitting"; one whose split was cut short or gave up starts over. */
  async openDump(dump: Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'>, at: Date): Promise<DumpRecord> {
    const item = newDumpItem(dump, at);
    try {
      await this.#db.send(
        new PutCommand({ TableName: this.#tables.dumps, Item: item, ConditionExpression: 'attribute_not_exists(#dumpId)', ExpressionAttributeNames: { '#dumpId': DUMPS_TABLE.partitionKey } }),
      );
      return dumpRecordOf(item);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const stored = (await this.#dumpItem(dump.id))!;
    if (stored.status === 'interrupted' || stored.status === 'failed') {
      await this.setStatus(dump.id, 'splitting', at);
      const { failure: _failure, ...record } = dumpRecordOf(stored);
      return { ...record, status: 'splitting', finishedAt: null };
    }
    return dumpRecordOf(stored);
  }

  async setStatus(dumpId: string, status: Exclude<DumpStatus, 'failed'>, at: Date): Promise<void> {
    const finished = status === 'complete' || status === 'interrupted';
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#tables.dumps,
          Key: dumpKey(dumpId),
          UpdateExpression: finished ? 'SET #status = :status, #finishedAt = :at REMOVE #failure' : 'SET #status = :status REMOVE #finishedAt, #failure',
          ConditionExpression: 'attribute_exists(#dumpId)',
          ExpressionAttributeNames: { '#status': 'status', '#finishedAt': 'finishedAt', '#failure': 'failure', '#dumpId': DUMPS_TABLE.partitionKey },
          ExpressionAttributeValues: finished ? { ':status': status, ':at': at.toISOString() } : { ':status': status },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new Error(`no dump ${dumpId} in the store`);
      throw error;
    }
  }

  async markFailed(dumpId: string, reason: string, at: Date): Promise<boolean> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#tables.dumps,
          Key: dumpKey(dumpId),
          UpdateExpression: 'SET #status = :failed, #failure = :reason, #finishedAt = :at',
          ConditionExpression: 'attribute_exists(#dumpId) AND NOT #status IN (:complete, :failed)',
          ExpressionAttributeNames: { '#status': 'status', '#failure': 'failure', '#finishedAt': 'finishedAt', '#dumpId': DUMPS_TABLE.partitionKey },
          ExpressionAttributeValues: { ':failed': 'failed', ':complete': 'complete', ':reason': reason, ':at': at.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    if ((await this.#dumpItem(dumpId)) === undefined) throw new Error(`no dump ${dumpId} in the store`);
    return false;
  }

  /** The splitter is done: `located` units were queued. Completes the dump if the workers already caught up. */
  async finishSplitting(dumpId: string, located: number, at: Date): Promise<DumpProgress> {
    await this.#db.send(
      new UpdateCommand({
        TableName: this.#tables.dumps,
        Key: dumpKey(dumpId),
        UpdateExpression: 'SET #located = :located, #status = :processing',
        ConditionExpression: '#status IN (:splitting, :processing)',
        ExpressionAttributeNames: { '#status': 'status', '#located': 'located' },
        ExpressionAttributeValues: { ':located': located, ':splitting': 'splitting', ':processing': 'processing' },
      }),
    );
    return this.#completeIfAllIn(dumpId, at);
  }

  async storedLocators(dumpId: string): Promise<Set<string>> {
    const keys = new Set<string>();
    const projection = { ProjectionExpression: '#locator, #locatorFull', ExpressionAttributeNames: { '#locator': VERDICTS_TABLE.sortKey, '#locatorFull': 'locatorFull' } };
    await mapConcurrently(allShards(), 8, async (shard) => {
      for await (const item of queryAll(this.#db, this.#dumpShardEntries(dumpId, shard, projection))) keys.add(locatorOfItem(item));
    });
    return keys;
  }

  /** A filtered walk of the dump's entries (no index holds skipped ones), its shards merged, stopped at `limit`. */
  async listSkipped(dumpId: string, limit: number): Promise<{ locator: string; reason: string }[]> {
    const skipped: { locator: string; reason: string }[] = [];
    if (limit <= 0) return skipped;
    const walk = this.#walkEntries(dumpId, { FilterExpression: '#kind = :skipped', ExpressionAttributeNames: { '#kind': 'kind' }, ExpressionAttributeValues: { ':skipped': 'skipped' } });
    for await (const item of walk) {
      const entry = await this.#recordOf(item);
      if (entry.kind === 'skipped') skipped.push({ locator: locatorOfItem(item), reason: entry.reason });
      if (skipped.length >= limit) break;
    }
    return skipped;
  }

  /**
   * Writes the entries and their postings, then counts them once per batch. Without a batch id the id is derived
   * from the entries' locators, so the same batch written again is not counted again.
   */
  async putEntries(dumpId: string, entries: EntryRecord[], batch?: EntryBatch): Promise<void> {
    await this.putBatch(dumpId, entries, batch);
  }

  /** putEntries, answering where the dump then stands (a host queues the settling of its documents on 'settle'). */
  async putBatch(dumpId: string, entries: EntryRecord[], batch?: EntryBatch): Promise<DumpProgress> {
    if (entries.length === 0 && !batch?.extraLocated) return this.#completeIfAllIn(dumpId, new Date());
    const batchId = batch?.id ?? `h${createHash('sha256').update(entries.map((e) => locatorKey(e.locator)).join('\n')).digest('hex').slice(0, 16)}`;
    if ((await this.#dumpItem(dumpId)) === undefined) throw new Error(`no dump ${dumpId} in the store`);
    const marker = await readMarker(this.#db, this.#tables.dumps, dumpId, batchId);
    if (marker) {
      // Written and counted, or being counted, by a delivery before: only what it left of the counting is done.
      await finishCounting(this.#db, this.#tables.dumps, marker, this.#lease);
    } else {
      // One entry per locator, the last: the same entry twice in a batch is stored and counted once, and was
      // located once (what a batch counts beyond its units shrinks by the repeats).
      const unique = [...new Map(entries.map((entry) => [locatorKey(entry.locator), entry])).values()];
      const stored = await this.#storeEntries(dumpId, unique);
      await this.#writePostings(dumpId, stored.filter(({ entry }) => isMessage(entry)) as (StoredEntry & { entry: MessageRecord })[], []);
      const documents = stored.flatMap(({ entry }) => (entry.kind === 'document' ? documentPostings(dumpId, entry) : []));
      await writeAll(this.#db, this.#tables.postings, POSTINGS_TABLE, putsOf(documents));
      const extraLocated = (batch?.extraLocated ?? 0) - (entries.length - unique.length);
      await countOnce(this.#db, this.#tables.dumps, dumpId, batchId, tallyOf(stored.map(({ entry }) => entry), extraLocated), this.#lease);
    }
    return this.#completeIfAllIn(dumpId, new Date());
  }

  /** Whether a batch has been counted (or begun to be): its entries are all written. */
  async isBatchCounted(dumpId: string, batchId: string): Promise<boolean> {
    return (await readMarker(this.#db, this.#tables.dumps, dumpId, batchId)) !== undefined;
  }

  async counts(dumpId: string): Promise<DumpCounts | null> {
    const item = await this.#dumpItem(dumpId);
    return item ? countsOf(item, (await readTotals(this.#db, this.#tables.dumps, [dumpId])).get(dumpId)!) : null;
  }

  async listDumps(): Promise<DumpOverview[]> {
    const items: Item[] = [];
    for await (const item of this.#dumpItems()) items.push(item);
    const totals = await readTotals(this.#db, this.#tables.dumps, items.map((item) => item[DUMPS_TABLE.partitionKey] as string));
    return items.map((item) => dumpOverviewOf(item, totals.get(item[DUMPS_TABLE.partitionKey] as string)!));
  }

  async summary(dumpId?: string): Promise<DumpSummary | null> {
    const id = dumpId ?? (await this.#newestDumpId());
    const item = id === undefined ? undefined : await this.#dumpItem(id);
    if (!item || id === undefined) return null;
    const totals = (await readTotals(this.#db, this.#tables.dumps, [id])).get(id)!;
    const dump = dumpOverviewOf(item, totals);
    const byReason: DumpSummary['byReason'] = {};
    for (const reason of Object.values(REASONS).flat()) {
      const n = totals[reasonCount(reason)];
      if (typeof n === 'number' && n !== 0) byReason[reason] = n;
    }
    return {
      dump,
      messages: dump.messages,
      byVerdict: verdictCountsOf(totals),
      byReason,
      documents: dump.documents,
      byProvenance: provenanceCountsOf(totals),
      skipped: dump.skipped,
      errors: dump.errors,
      ...(await readCounters(this.#db, this.#tables.dumps, id)),
      undated: (totals.undated as number | undefined) ?? 0,
    };
  }

  async *exportRecords(dumpId?: string): AsyncGenerator<ExportRecord> {
    const id = dumpId ?? (await this.#newestDumpId());
    if (id === undefined) return;
    // Sort-key order is the locator's text order, as the local store exports.
    // Messages and errors: documents are exported with their provenance by their own export (listDocuments).
    const walk = this.#walkEntries(id, {
      FilterExpression: '#kind <> :skipped AND #kind <> :document',
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: { ':skipped': 'skipped', ':document': 'document' },
    });
    for await (const item of walk) yield exportRecordOf(id, (await this.#recordOf(item)) as Extract<EntryRecord, { kind: 'message' | 'error' }>);
  }

  async listMessages(dumpId: string, query: MessageQuery): Promise<MessagePage | null> {
    const { Item: dump } = await this.#db.send(
      new GetCommand({ TableName: this.#tables.dumps, Key: dumpKey(dumpId), ProjectionExpression: '#dumpId, #sortKeys', ExpressionAttributeNames: { '#dumpId': DUMPS_TABLE.partitionKey, '#sortKeys': SORT_KEYS_ATTRIBUTE } }),
    );
    if (dump === undefined) return null;
    if (query.sort !== undefined && dump[SORT_KEYS_ATTRIBUTE] !== true) {
      throw new UnsupportedQueryError('sort', 'this dump was stored before its messages carried sort keys: it lists in locator order only');
    }
    return listMessages(this.#db, this.#tables, dumpId, query, (item) => this.#listingOf(item));
  }

  async getEntry(dumpId: string, locator: string): Promise<EntryRecord | null> {
    const { Item: item } = await this.#db.send(new GetCommand({ TableName: this.#tables.verdicts, Key: verdictKey(dumpId, locator) }));
    return item ? this.#recordOf(item) : null;
  }

  async listDocuments(dumpId: string, query: DocumentQuery): Promise<DocumentPage | null> {
    if (!(await this.#dumpExists(dumpId))) return null;
    return listDocuments(this.#db, this.#tables.postings, dumpId, query);
  }

  /** In locator order; `after` resumes after a locator key (a settle that continues in another invocation). */
  async *documentLocators(dumpId: string, after?: string): AsyncGenerator<string> {
    const names = { '#item': POSTINGS_TABLE.sortKey, '#locatorFull': 'locatorFull' };
    const merge = new ShardMerge(this.#db, {
      inputs: documentShardQueries(this.#tables.postings, dumpId, { ProjectionExpression: '#item, #locatorFull', ExpressionAttributeNames: names }),
      sortKeyOf: (item) => item[POSTINGS_TABLE.sortKey] as string,
      startAfter: (shard, at) => ({ [POSTINGS_TABLE.partitionKey]: documentsPartition(dumpId, shard), [POSTINGS_TABLE.sortKey]: at }),
      ...(after === undefined ? {} : { after: boundedSortKey(after) }),
      firstPageItems: WALK_PAGE_ITEMS,
      maxPageItems: 1000,
    });
    for await (const item of merge.all()) yield (item.locatorFull as string | undefined) ?? (item[POSTINGS_TABLE.sortKey] as string);
  }

  /**
   * Replaces the document's provenance and moves the dump's count from the old provenance to the new, exactly
   * once however often it is called or redelivered: the item is written on the condition that its provenance
   * revision is the one read, marked with the provenance it moved from; then its listing posting is rewritten, the
   * move is counted under a batch id named by the document and that revision (countOnce), and the mark is
   * cleared. Whoever finds a mark (a retry after a crash, a second settle at the same moment) finishes that move
   * first.
   */
  async setProvenance(dumpId: string, locator: string, evidence: ProvenanceEvidence): Promise<void> {
    for (let attempt = 0; attempt < PROVENANCE_ATTEMPTS; attempt++) {
      const item = await this.#documentItem(dumpId, locator);
      const record = (await this.#recordOf(item)) as DocumentRecord;
      if (typeof item.provenanceMovedFrom === 'string') await this.#finishProvenanceMove(dumpId, item, record);
      const revision = (item.provenanceRevision as number | undefined) ?? 0;
      const before = record.provenance?.provenance ?? null;
      const after: DocumentRecord = { ...record, provenance: evidence };
      const moved = before !== evidence.provenance;
      const whole = { ...entryItem(dumpId, after), provenanceRevision: revision + 1, ...(moved ? { provenanceMovedFrom: before ?? UNDECIDED } : {}) };
      const { item: fitted } = await this.#fitted(dumpId, whole);
      try {
        await this.#db.send(
          new PutCommand({
            TableName: this.#tables.verdicts,
            Item: fitted,
            ConditionExpression: revision === 0 ? 'attribute_not_exists(#revision)' : '#revision = :revision',
            ExpressionAttributeNames: { '#revision': 'provenanceRevision' },
            ...(revision === 0 ? {} : { ExpressionAttributeValues: { ':revision': revision } }),
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) continue; // set by another at the same moment: read again
        throw error;
      }
      if (moved) await this.#finishProvenanceMove(dumpId, fitted, after);
      return;
    }
    throw new Error(`document ${locator} of dump ${dumpId}: its provenance kept changing under this write (${PROVENANCE_ATTEMPTS} tries)`);
  }

  /** A document item written with a provenance move not yet finished: its listing, its count (once), its mark cleared. */
  async #finishProvenanceMove(dumpId: string, item: Item, record: DocumentRecord): Promise<void> {
    const revision = item.provenanceRevision as number;
    const from = item.provenanceMovedFrom as string;
    await this.#db.send(new PutCommand({ TableName: this.#tables.postings, Item: documentListingPosting(dumpId, record) }));
    const counts = new Map<string, number>();
    if (record.provenance) counts.set(provenanceCount(record.provenance.provenance), 1);
    if (from !== UNDECIDED) counts.set(provenanceCount(from as Provenance), (counts.get(provenanceCount(from as Provenance)) ?? 0) - 1);
    const moves: Tally = new Map([[TOTAL, counts]]);
    const batchId = `provenance#${createHash('sha256').update(locatorKey(record.locator)).digest('hex').slice(0, 32)}#${revision}`;
    await countOnce(this.#db, this.#tables.dumps, dumpId, batchId, moves, this.#lease);
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#tables.verdicts,
          Key: verdictKey(dumpId, locatorKey(record.locator)),
          UpdateExpression: 'REMOVE #movedFrom',
          ConditionExpression: '#revision = :revision',
          ExpressionAttributeNames: { '#movedFrom': 'provenanceMovedFrom', '#revision': 'provenanceRevision' },
          ExpressionAttributeValues: { ':revision': revision },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // a later revision replaced it, and its mark
    }
  }

  async #documentItem(dumpId: string, locator: string): Promise<Item> {
    const { Item: item } = await this.#db.send(new GetCommand({ TableName: this.#tables.verdicts, Key: verdictKey(dumpId, locator), ConsistentRead: true }));
    if (item === undefined || item.kind !== 'document') throw new Error(`no document ${locator} in dump ${dumpId}`);
    return item;
  }

  /** Every place holding a file by this key, merged from its shards in (dump, locator, MIME path) order. */
  async *filePlaces(key: FileKey): AsyncGenerator<FilePlace> {
    for await (const item of this.#postingShards((shard) => filePartition(key, shard))) yield filePlaceOf(item);
  }

  async *messagesWithIdentity(identity: string): AsyncGenerator<{ dumpId: string; locator: string; verdict: Verdict }> {
    for await (const item of this.#postingShards((shard) => identityPartition(identity, shard))) {
      yield { dumpId: item.dumpId as string, locator: item.locator as string, verdict: item.verdict as Verdict };
    }
  }

  async verifiedAuthors(organisation: string): Promise<string[]> {
    const names = new Set<string>();
    for await (const item of this.#postingShards((shard) => authorsPartition(organisation, shard))) {
      names.add(item.author as string);
      if (names.size >= MAX_VERIFIED_AUTHORS) break;
    }
    return [...names].sort();
  }

  /** The items of a sharded posting key, its shards merged by sort key. */
  #postingShards(partitionOf: (shard: number) => string): AsyncGenerator<Item> {
    const inputs = allShards().map((shard): QueryCommandInput => ({
      TableName: this.#tables.postings,
      KeyConditionExpression: '#posting = :posting',
      ExpressionAttributeNames: { '#posting': POSTINGS_TABLE.partitionKey },
      ExpressionAttributeValues: { ':posting': partitionOf(shard) },
    }));
    return new ShardMerge(this.#db, { inputs, sortKeyOf: (item) => item[POSTINGS_TABLE.sortKey] as string, firstPageItems: WALK_PAGE_ITEMS, maxPageItems: 1000 }).all();
  }

  async *seenSelectors(): AsyncGenerator<{ domain: string; selector: string }> {
    const registry: QueryCommandInput = {
      TableName: this.#tables.postings,
      KeyConditionExpression: '#posting = :posting',
      ExpressionAttributeNames: { '#posting': POSTINGS_TABLE.partitionKey },
      ExpressionAttributeValues: { ':posting': SELECTORS_POSTING },
    };
    for await (const item of queryAll(this.#db, registry)) yield { domain: item.domain as string, selector: item.selector as string };
  }

  async *selectorUses(domain: string, selector: string, dumpId?: string): AsyncGenerator<SelectorUse> {
    // Uses sort by dump first, so one dump's are a key range of each shard.
    const inDump = dumpId === undefined ? undefined : `${keyPart(dumpId)}#`;
    const inputs = allShards().map((shard): QueryCommandInput => ({
      TableName: this.#tables.postings,
      KeyConditionExpression: inDump === undefined ? '#posting = :posting' : '#posting = :posting AND begins_with(#item, :prefix)',
      ExpressionAttributeNames: { '#posting': POSTINGS_TABLE.partitionKey, ...(inDump === undefined ? {} : { '#item': POSTINGS_TABLE.sortKey }) },
      ExpressionAttributeValues: { ':posting': selectorPosting(domain.toLowerCase(), selector.toLowerCase(), shard), ...(inDump === undefined ? {} : { ':prefix': inDump }) },
    }));
    const merge = new ShardMerge(this.#db, { inputs, sortKeyOf: (item) => item[POSTINGS_TABLE.sortKey] as string, firstPageItems: WALK_PAGE_ITEMS, maxPageItems: 1000 });
    for await (const item of merge.all()) yield selectorUseOf(item);
  }

  /** From the counts by rules version of each dump: no dump's messages are read. */
  async dumpsBeforeRules(rulesVersion: number): Promise<string[]> {
    const ids: string[] = [];
    for await (const item of this.#dumpItems()) ids.push(item[DUMPS_TABLE.partitionKey] as string);
    const totals = await readTotals(this.#db, this.#tables.dumps, ids);
    return ids.filter((id) => [...rulesVersionsOf(totals.get(id)!).keys()].some((version) => version < rulesVersion));
  }

  async *messagesBeforeRules(dumpId: string, rulesVersion: number): AsyncGenerator<string> {
    const totals = (await readTotals(this.#db, this.#tables.dumps, [dumpId])).get(dumpId)!;
    if (![...rulesVersionsOf(totals).keys()].some((version) => version < rulesVersion)) return;
    // Messages stored before rules were versioned have no rulesVersion: the first rules verified them.
    const walk = this.#walkEntries(dumpId, {
      FilterExpression: '#kind = :message AND (attribute_not_exists(#rulesVersion) OR #rulesVersion < :rulesVersion)',
      ProjectionExpression: '#locator, #locatorFull',
      ExpressionAttributeNames: { '#kind': 'kind', '#rulesVersion': 'rulesVersion', '#locator': VERDICTS_TABLE.sortKey, '#locatorFull': 'locatorFull' },
      ExpressionAttributeValues: { ':message': 'message', ':rulesVersion': rulesVersion },
    });
    for await (const item of walk) yield locatorOfItem(item);
  }

  async replaceMessages(dumpId: string, records: MessageRecord[], batchId: string): Promise<void> {
    if (records.length === 0) return;
    const keys = records.map((record) => verdictKey(dumpId, locatorKey(record.locator)));
    const stored = new Map((await getAll(this.#db, this.#tables.verdicts, VERDICTS_TABLE, keys)).map((item) => [locatorOfItem(item), item]));
    const moves = await mapConcurrently(records, PARALLEL_ITEMS, async (record): Promise<Replacement | null> => {
      const item = stored.get(locatorKey(record.locator));
      if (item === undefined) throw new Error(`no entry ${locatorKey(record.locator)} in dump ${dumpId} to replace`);
      // Compared as it would be stored (JSON): a field set to undefined is a field left out.
      const after = JSON.parse(JSON.stringify(record)) as MessageRecord;
      const heavy = await this.#heavyOf(item);
      const current = storedRecordOf(heavy.record);
      const writtenByThisBatch = item.replacedBy === batchId && typeof heavy.replacedFrom === 'string';
      if (writtenByThisBatch && isDeepStrictEqual(current, after)) return { before: storedRecordOf(heavy.replacedFrom!), after, written: true, blob: item.blob as string | undefined };
      if (!isDeepStrictEqual(current, after)) return { before: current, after, written: false, revision: (item.revision as number | undefined) ?? 0 };
      return null;
    });
    const replaced = await this.#replaceItems(dumpId, moves.filter((move) => move !== null), batchId);
    if (replaced.length === 0) return;
    const moved = difference(tallyOf(replaced.map(({ after }) => after)), tallyOf(replaced.map(({ before }) => before)));
    if (moved.size > 0) await countOnce(this.#db, this.#tables.dumps, dumpId, batchId, moved, this.#lease);
    await this.#writePostings(
      dumpId,
      replaced.map(({ after, blob }) => ({ entry: after, item: {}, blob })),
      replaced.map(({ before }) => before).filter(isMessage),
    );
  }

  /** Writes the replacements not yet written, each only if nobody replaced it since it was read; returns those that hold. */
  async #replaceItems(dumpId: string, moves: Replacement[], batchId: string): Promise<Replacement[]> {
    const replaceOne = async (move: Replacement): Promise<Replacement | null> => {
      if (move.written) return move;
      const whole = { ...entryItem(dumpId, move.after), revision: move.revision! + 1, replacedBy: batchId, replacedFrom: JSON.stringify(move.before) };
      const { item, blob } = await this.#fitted(dumpId, whole);
      try {
        await this.#db.send(
          new PutCommand({
            TableName: this.#tables.verdicts,
            Item: item,
            ConditionExpression: move.revision === 0 ? 'attribute_not_exists(#revision)' : '#revision = :revision',
            ExpressionAttributeNames: { '#revision': 'revision' },
            ...(move.revision === 0 ? {} : { ExpressionAttributeValues: { ':revision': move.revision } }),
          }),
        );
        return { ...move, blob };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return null; // another run replaced it first, and counts it
        throw error;
      }
    };
    return (await mapConcurrently(moves, PARALLEL_ITEMS, replaceOne)).filter((move) => move !== null);
  }

  /**
   * Puts the entries' items, each fitted to DynamoDB (record in S3 when large); an entry DynamoDB still refuses
   * (ValidationException: a size or key it will not take) is stored as an error saying so. Returns what was stored.
   */
  async #storeEntries(dumpId: string, entries: readonly EntryRecord[]): Promise<StoredEntry[]> {
    const stored = await mapConcurrently(entries, PARALLEL_ITEMS, (entry) => this.#fittedEntry(dumpId, entry));
    try {
      await writeAll(this.#db, this.#tables.verdicts, VERDICTS_TABLE, putsOf(stored.map(({ item }) => item)));
      return stored;
    } catch (error) {
      if (!isRefusal(error)) throw error;
    }
    // One of them is refused: each alone, to find which.
    return mapConcurrently(stored, PARALLEL_ITEMS, async (one) => {
      try {
        await this.#db.send(new PutCommand({ TableName: this.#tables.verdicts, Item: one.item }));
        return one;
      } catch (error) {
        if (!isRefusal(error)) throw error;
        const replacement = unstorable(one.entry, `DynamoDB refused it: ${(error as Error).message}`);
        const fitted = await this.#fittedEntry(dumpId, replacement);
        await this.#db.send(new PutCommand({ TableName: this.#tables.verdicts, Item: fitted.item }));
        return fitted;
      }
    });
  }

  /** An entry's item fitted to DynamoDB, or an error entry in its place when it cannot be. */
  async #fittedEntry(dumpId: string, entry: EntryRecord): Promise<StoredEntry> {
    try {
      return { entry, ...(await this.#fitted(dumpId, entryItem(dumpId, entry))) };
    } catch (error) {
      if (!(error instanceof UnstorableError) || entry.kind === 'error') throw error;
      const replacement = unstorable(entry, error.message);
      return { entry: replacement, ...(await this.#fitted(dumpId, entryItem(dumpId, replacement))) };
    }
  }

  /** The item as it is, or with its heavy attributes in S3 when it is too large; UnstorableError when neither fits. */
  async #fitted(dumpId: string, item: Item): Promise<{ item: Item; blob?: string }> {
    const size = itemSizeBound(item);
    if (size <= RECORD_OFFLOAD_BYTES) return { item };
    if (!this.#blobs) throw new UnstorableError(`its record takes ${size} bytes, over the ${RECORD_OFFLOAD_BYTES} kept in DynamoDB, and no blob store was given for larger ones`);
    const blob = await this.#blobs.put(dumpId, { record: item.record as string, ...(typeof item.replacedFrom === 'string' ? { replacedFrom: item.replacedFrom } : {}) });
    const pointer = pointerItem(item, blob);
    const left = itemSizeBound(pointer);
    if (left > MAX_ITEM_BYTES) throw new UnstorableError(`even with its record in S3 its item takes ${left} bytes, over DynamoDB's ${MAX_ITEM_BYTES}`);
    return { item: pointer, blob };
  }

  /** The heavy attributes of an item: on it, or in S3. */
  async #heavyOf(item: Item): Promise<HeavyAttributes> {
    if (typeof item.blob !== 'string') return { record: item.record as string, ...(typeof item.replacedFrom === 'string' ? { replacedFrom: item.replacedFrom } : {}) };
    if (!this.#blobs) throw new Error('this entry keeps its record in S3, and the store was given no blob store');
    return this.#blobs.get(item.blob);
  }

  async #recordOf(item: Item): Promise<EntryRecord> {
    return storedRecordOf((await this.#heavyOf(item)).record);
  }

  async #listingOf(item: Item): Promise<MessageListing> {
    if (typeof item.blob !== 'string') return listingFromItem(item);
    return messageListingOf((await this.#recordOf(item)) as Extract<EntryRecord, { kind: 'message' | 'error' }>);
  }

  /** The postings of `records`, the removal of those `replaced` had that they do not, and selectors not yet registered. */
  async #writePostings(dumpId: string, records: readonly (Omit<StoredEntry, 'entry'> & { entry: MessageRecord })[], replaced: MessageRecord[]): Promise<void> {
    const postings = records.flatMap(({ entry, blob }) => postingItems(dumpId, entry, blob));
    const kept = new Set(postings.map(postingKeyText));
    // An author name is shared by the verified messages of its shard that name it: never deleted with one of them.
    const removed = replaced.flatMap((record) => postingItems(dumpId, record)).filter((item) => !kept.has(postingKeyText(item)) && !isSharedPosting(item));
    const selectors = new Map<string, Item>();
    for (const { entry } of records) {
      for (const { domain, selector } of selectorsSigning(entry.signatures)) {
        const name = `${keyPart(domain)}#${keyPart(selector)}`;
        if (!this.#registeredSelectors.has(name)) selectors.set(name, selectorItem(domain, selector));
      }
    }
    const writes: WriteRequest[] = [...removed.map((item) => ({ DeleteRequest: { Key: postingKey(item) } })), ...putsOf(postings), ...putsOf([...selectors.values()])];
    await writeAll(this.#db, this.#tables.postings, POSTINGS_TABLE, writes);
    if (this.#registeredSelectors.size + selectors.size > REMEMBERED_SELECTORS) this.#registeredSelectors.clear();
    for (const name of selectors.keys()) this.#registeredSelectors.add(name);
  }

  /** Dump items, newest first, merged from the byStart shards. */
  #dumpItems(firstPageItems?: number): AsyncGenerator<Item> {
    const { indexName, partitionKey, sortKey } = DUMPS_TABLE.byStart;
    const inputs = allShards(DUMP_LISTING_SHARDS).map((shard): QueryCommandInput => ({
      TableName: this.#tables.dumps,
      IndexName: indexName,
      KeyConditionExpression: '#listing = :listing',
      ExpressionAttributeNames: { '#listing': partitionKey },
      ExpressionAttributeValues: { ':listing': dumpListingPartition(shard) },
      ScanIndexForward: false,
    }));
    // Dumps started at the same instant sort by id, in every shard alike.
    return new ShardMerge(this.#db, { inputs, sortKeyOf: (item) => item[sortKey] as string, descending: true, firstPageItems }).all();
  }

  async #newestDumpId(): Promise<string | undefined> {
    for await (const item of this.#dumpItems(1)) return item[DUMPS_TABLE.partitionKey] as string;
    return undefined;
  }

  /** A Query of one shard of a dump's entries in the verdicts table, with `extra` merged in (names and values too). */
  #dumpShardEntries(dumpId: string, shard: number, extra: Partial<QueryCommandInput>): QueryCommandInput {
    return {
      ...extra,
      TableName: this.#tables.verdicts,
      KeyConditionExpression: '#dumpShard = :dumpShard',
      ExpressionAttributeNames: { ...extra.ExpressionAttributeNames, '#dumpShard': VERDICTS_TABLE.partitionKey },
      ExpressionAttributeValues: { ...extra.ExpressionAttributeValues, ':dumpShard': verdictPartition(dumpId, shard) },
    };
  }

  /** A dump's entries in locator order, its shards merged. */
  #walkEntries(dumpId: string, extra: Partial<QueryCommandInput>): AsyncGenerator<Item> {
    const inputs = allShards().map((shard) => this.#dumpShardEntries(dumpId, shard, extra));
    return new ShardMerge(this.#db, { inputs, sortKeyOf: (item) => item[VERDICTS_TABLE.sortKey] as string, firstPageItems: WALK_PAGE_ITEMS, maxPageItems: WALK_PAGE_ITEMS * 4 }).all();
  }

  async #dumpExists(dumpId: string): Promise<boolean> {
    const { Item: dump } = await this.#db.send(
      new GetCommand({ TableName: this.#tables.dumps, Key: dumpKey(dumpId), ProjectionExpression: '#dumpId', ExpressionAttributeNames: { '#dumpId': DUMPS_TABLE.partitionKey } }),
    );
    return dump !== undefined;
  }

  async #dumpItem(dumpId: string): Promise<Item | undefined> {
    const { Item: item } = await this.#db.send(new GetCommand({ TableName: this.#tables.dumps, Key: dumpKey(dumpId), ConsistentRead: true }));
    return item;
  }

  /**
   * Completes the dump when its entries add up to what was located (messages + documents + skipped + errors),
   * unless it holds documents: then their provenance is settled first (see settleDump), and the answer says so.
   * Every writer counts first and then reads (consistently), so of two writers finishing at once the later one
   * sees both.
   */
  async #completeIfAllIn(dumpId: string, at: Date): Promise<DumpProgress> {
    const item = await this.#dumpItem(dumpId);
    if (item === undefined) return 'incomplete';
    if (item.status === 'complete') return 'complete';
    if (item.status !== 'processing') return 'incomplete';
    const counts = countsOf(item, (await readTotals(this.#db, this.#tables.dumps, [dumpId])).get(dumpId)!);
    if (!allIn(counts)) return 'incomplete';
    if (counts.documents > 0) return 'settle';
    await this.#complete(dumpId, at);
    return 'complete';
  }

  /** Whether the dump waits for its documents' provenance: processing, every entry in, documents among them. */
  async progress(dumpId: string): Promise<DumpProgress> {
    return this.#completeIfAllIn(dumpId, new Date());
  }

  /** The dump's documents are settled: it completes (if it is still processing with every entry in). */
  async completeSettled(dumpId: string, at: Date): Promise<void> {
    const item = await this.#dumpItem(dumpId);
    if (item?.status !== 'processing') return;
    if (!allIn(countsOf(item, (await readTotals(this.#db, this.#tables.dumps, [dumpId])).get(dumpId)!))) return;
    await this.#complete(dumpId, at);
  }

  async #complete(dumpId: string, at: Date): Promise<void> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#tables.dumps,
          Key: dumpKey(dumpId),
          UpdateExpression: 'SET #status = :complete, #finishedAt = :at',
          ConditionExpression: '#status = :processing',
          ExpressionAttributeNames: { '#status': 'status', '#finishedAt': 'finishedAt' },
          ExpressionAttributeValues: { ':complete': 'complete', ':processing': 'processing', ':at': at.toISOString() },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // another writer completed it
    }
  }
}

/** Why an entry cannot be stored as it is. */
class UnstorableError extends Error {}

/** DynamoDB refusing a request for what it holds (an item or key too large, a value it does not take), not for load. */
function isRefusal(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ValidationException';
}

/** The error entry stored in place of an entry that could not be. */
function unstorable(entry: EntryRecord, reason: string): EntryRecord {
  const detail = `could not be stored: ${reason}`;
  return {
    kind: 'error',
    locator: entry.locator,
    sha256: entry.kind === 'skipped' ? null : entry.sha256,
    detail: detail.length > MAX_STORE_ERROR_DETAIL ? `${detail.slice(0, MAX_STORE_ERROR_DETAIL - 1)}…` : detail,
  };
}

/** A stored record and the one replacing it; `written` when this batch already put it (a retry), else the revision read. */
interface Replacement {
  before: EntryRecord;
  after: MessageRecord;
  written: boolean;
  revision?: number;
  /** Where its record is in S3, when it is. */
  blob?: string;
}

function isMessage(entry: EntryRecord): entry is MessageRecord {
  return entry.kind === 'message';
}

function postingKeyText(item: Item): string {
  return `${item[POSTINGS_TABLE.partitionKey] as string}\n${item[POSTINGS_TABLE.sortKey] as string}`;
}
