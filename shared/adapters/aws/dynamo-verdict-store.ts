/**
 * The verdict store on DynamoDB (tables in table-design.ts). Entries are written as whole items, idempotent per
 * (dump, locator), with postings for what one item cannot index (every signing domain, every signature's
 * selector). The dump's counts are kept on its item and counter items beside it, updated once per batch of
 * entries, not once per message (see dynamo-counters.ts). A dump is complete exactly when its entries add up to
 * what was located.
 *
 * Order of writes, so that a retry after a crash at any point ends in the same state:
 * - putEntries: items and postings, then counts. A batch counted is a batch written, so a redelivered batch
 *   that finds itself counted has nothing left to do (and cannot put back a verdict re-verified since).
 * - replaceMessages: items first, each on the condition that its revision is still the one read, and marked with
 *   the batch and the record it replaced; then counts; then postings. Of two runs replacing one message at
 *   once, only one writes it, and only the writer counts the move. A retry after a crash finds the items this
 *   batch already wrote by their mark, counts their moves from the records they replaced (once: the batch id
 *   guards the counters), and writes the postings.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { locatorKey } from '../../dump/entry.ts';
import { exportRecordOf } from '../../pipeline/entry-record.ts';
import { mapConcurrently } from '../../pipeline/map-concurrently.ts';
import type {
  DumpOverview,
  DumpRecord,
  DumpStatus,
  DumpSummary,
  EntryRecord,
  ExportRecord,
  MessagePage,
  MessageQuery,
  MessageRecord,
  SelectorUse,
  VerdictStore,
} from '../../ports/verdict-store.ts';
import { REASONS } from '../../verdict/contract.ts';
import { getAll, putsOf, writeAll, type WriteRequest } from './dynamo-batch.ts';
import { countOnce, difference, readCounters, tallyOf, verdictCountsOf } from './dynamo-counters.ts';
import {
  countsOf,
  DUMP_LISTING,
  dumpKey,
  dumpOverviewOf,
  dumpRecordOf,
  newDumpItem,
  reasonCount,
  rulesVersionsOf,
  type DumpCounts,
} from './dynamo-dump-item.ts';
import {
  entryItem,
  keyPart,
  postingItems,
  postingKey,
  selectorItem,
  selectorPosting,
  selectorsSigning,
  selectorUseOf,
  SELECTORS_POSTING,
  storedRecordOf,
  type Item,
} from './dynamo-entry-items.ts';
import { listMessages } from './dynamo-message-listing.ts';
import { queryAll } from './dynamo-query.ts';
import { DUMPS_TABLE, POSTINGS_TABLE, VERDICTS_TABLE } from './table-design.ts';

export type { DumpCounts } from './dynamo-dump-item.ts';

export interface DynamoTables {
  dumps: string;
  verdicts: string;
  postings: string;
}

/** A batch of entries as one unit of counting: a worker's job, with the entries it found beyond one per unit. */
export interface EntryBatch {
  id: string;
  /** Entries beyond the located units (a container where a message was expected yields all its entries). */
  extraLocated: number;
}

/** Selectors this process has registered: a worker sees the same few thousand again in every batch. */
const REMEMBERED_SELECTORS = 50_000;

export class DynamoVerdictStore implements VerdictStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #tables: DynamoTables;
  readonly #registeredSelectors = new Set<string>();

  constructor(db: DynamoDBDocumentClient, tables: DynamoTables) {
    this.#db = db;
    this.#tables = tables;
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
  async finishSplitting(dumpId: string, located: number, at: Date): Promise<void> {
    const result = await this.#db.send(
      new UpdateCommand({
        TableName: this.#tables.dumps,
        Key: dumpKey(dumpId),
        UpdateExpression: 'SET #located = :located, #status = :processing',
        ConditionExpression: '#status IN (:splitting, :processing)',
        ExpressionAttributeNames: { '#status': 'status', '#located': 'located' },
        ExpressionAttributeValues: { ':located': located, ':splitting': 'splitting', ':processing': 'processing' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    await this.#completeIfAllIn(result.Attributes!, at);
  }

  async storedLocators(dumpId: string): Promise<Set<string>> {
    const keys = new Set<string>();
    for await (const item of queryAll(this.#db, this.#dumpEntries(dumpId, { ProjectionExpression: '#locator', ExpressionAttributeNames: { '#locator': VERDICTS_TABLE.sortKey } }))) {
      keys.add(item[VERDICTS_TABLE.sortKey] as string);
    }
    return keys;
  }

  /**
   * Writes the entries and their postings, then counts them once per batch. Without a batch id the id is derived
   * from the entries' locators, so the same batch written again is not counted again.
   */
  async putEntries(dumpId: string, entries: EntryRecord[], batch?: EntryBatch): Promise<void> {
    if (entries.length === 0 && !batch?.extraLocated) return;
    const batchId = batch?.id ?? `h${createHash('sha256').update(entries.map((e) => locatorKey(e.locator)).join('\n')).digest('hex').slice(0, 16)}`;
    const dump = await this.#dumpItem(dumpId);
    if (dump === undefined) throw new Error(`no dump ${dumpId} in the store`);
    if (batchesOf(dump).has(batchId)) return;
    await writeAll(this.#db, this.#tables.verdicts, VERDICTS_TABLE, putsOf(entries.map((entry) => entryItem(dumpId, entry))));
    await this.#writePostings(dumpId, entries.filter(isMessage), []);
    const updated = await countOnce(this.#db, this.#tables.dumps, dumpId, batchId, tallyOf(entries, batch?.extraLocated ?? 0));
    if (updated) await this.#completeIfAllIn(updated, new Date());
  }

  /** Whether a batch has been counted: the dead-letter recorder must not overwrite a job that did finish. */
  async isBatchCounted(dumpId: string, batchId: string): Promise<boolean> {
    const item = await this.#dumpItem(dumpId);
    return item !== undefined && batchesOf(item).has(batchId);
  }

  async counts(dumpId: string): Promise<DumpCounts | null> {
    const item = await this.#dumpItem(dumpId);
    return item ? countsOf(item) : null;
  }

  async listDumps(): Promise<DumpOverview[]> {
    const dumps: DumpOverview[] = [];
    for await (const item of this.#dumpItems()) dumps.push(dumpOverviewOf(item));
    return dumps;
  }

  async summary(dumpId?: string): Promise<DumpSummary | null> {
    const id = dumpId ?? (await this.#newestDumpId());
    const item = id === undefined ? undefined : await this.#dumpItem(id);
    if (!item || id === undefined) return null;
    const dump = dumpOverviewOf(item);
    const byReason: DumpSummary['byReason'] = {};
    for (const reason of Object.values(REASONS).flat()) {
      const n = item[reasonCount(reason)];
      if (typeof n === 'number' && n !== 0) byReason[reason] = n;
    }
    return {
      dump,
      messages: dump.messages,
      byVerdict: verdictCountsOf(item),
      byReason,
      skipped: dump.skipped,
      errors: dump.errors,
      ...(await readCounters(this.#db, this.#tables.dumps, id)),
      undated: (item.undated as number | undefined) ?? 0,
    };
  }

  async *exportRecords(dumpId?: string): AsyncGenerator<ExportRecord> {
    const id = dumpId ?? (await this.#newestDumpId());
    if (id === undefined) return;
    // Sort-key order is the locator's text order, as the local store exports.
    const query = this.#dumpEntries(id, { FilterExpression: '#kind <> :skipped', ExpressionAttributeNames: { '#kind': 'kind' }, ExpressionAttributeValues: { ':skipped': 'skipped' } });
    for await (const item of queryAll(this.#db, query)) yield exportRecordOf(id, storedRecordOf(item) as Exclude<EntryRecord, { kind: 'skipped' }>);
  }

  async listMessages(dumpId: string, query: MessageQuery): Promise<MessagePage | null> {
    const { Item: dump } = await this.#db.send(
      new GetCommand({ TableName: this.#tables.dumps, Key: dumpKey(dumpId), ProjectionExpression: '#dumpId', ExpressionAttributeNames: { '#dumpId': DUMPS_TABLE.partitionKey } }),
    );
    if (dump === undefined) return null;
    return listMessages(this.#db, this.#tables, dumpId, query);
  }

  async getEntry(dumpId: string, locator: string): Promise<EntryRecord | null> {
    const key = { [VERDICTS_TABLE.partitionKey]: dumpId, [VERDICTS_TABLE.sortKey]: locator };
    const { Item: item } = await this.#db.send(new GetCommand({ TableName: this.#tables.verdicts, Key: key }));
    return item ? storedRecordOf(item) : null;
  }

  async *seenSelectors(): AsyncGenerator<{ domain: string; selector: string }> {
    for await (const item of queryAll(this.#db, this.#posting(SELECTORS_POSTING))) {
      yield { domain: item.domain as string, selector: item.selector as string };
    }
  }

  async *selectorUses(domain: string, selector: string, dumpId?: string): AsyncGenerator<SelectorUse> {
    // Uses sort by dump first, so one dump's are a key range of the posting.
    const inDump = dumpId === undefined ? undefined : `${keyPart(dumpId)}#`;
    for await (const item of queryAll(this.#db, this.#posting(selectorPosting(domain.toLowerCase(), selector.toLowerCase()), inDump))) {
      yield selectorUseOf(item);
    }
  }

  /** From the counts by rules version on each dump's item: no dump's messages are read. */
  async dumpsBeforeRules(rulesVersion: number): Promise<string[]> {
    const stale: string[] = [];
    for await (const item of this.#dumpItems()) {
      if ([...rulesVersionsOf(item).keys()].some((version) => version < rulesVersion)) stale.push(item[DUMPS_TABLE.partitionKey] as string);
    }
    return stale;
  }

  async *messagesBeforeRules(dumpId: string, rulesVersion: number): AsyncGenerator<string> {
    const dump = await this.#dumpItem(dumpId);
    if (!dump || ![...rulesVersionsOf(dump).keys()].some((version) => version < rulesVersion)) return;
    // Messages stored before rules were versioned have no rulesVersion: the first rules verified them.
    const query = this.#dumpEntries(dumpId, {
      FilterExpression: '#kind = :message AND (attribute_not_exists(#rulesVersion) OR #rulesVersion < :rulesVersion)',
      ProjectionExpression: '#locator',
      ExpressionAttributeNames: { '#kind': 'kind', '#rulesVersion': 'rulesVersion', '#locator': VERDICTS_TABLE.sortKey },
      ExpressionAttributeValues: { ':message': 'message', ':rulesVersion': rulesVersion },
    });
    for await (const item of queryAll(this.#db, query)) yield item[VERDICTS_TABLE.sortKey] as string;
  }

  async replaceMessages(dumpId: string, records: MessageRecord[], batchId: string): Promise<void> {
    if (records.length === 0) return;
    const keys = records.map((record) => ({ [VERDICTS_TABLE.partitionKey]: dumpId, [VERDICTS_TABLE.sortKey]: locatorKey(record.locator) }));
    const stored = new Map((await getAll(this.#db, this.#tables.verdicts, VERDICTS_TABLE, keys)).map((item) => [item[VERDICTS_TABLE.sortKey] as string, item]));
    const moves: Replacement[] = [];
    for (const record of records) {
      const item = stored.get(locatorKey(record.locator));
      if (item === undefined) throw new Error(`no entry ${locatorKey(record.locator)} in dump ${dumpId} to replace`);
      // Compared as it would be stored (JSON): a field set to undefined is a field left out.
      const after = JSON.parse(JSON.stringify(record)) as MessageRecord;
      const current = storedRecordOf(item);
      const writtenByThisBatch = item.replacedBy === batchId && typeof item.replacedFrom === 'string';
      if (writtenByThisBatch && isDeepStrictEqual(current, after)) moves.push({ before: JSON.parse(item.replacedFrom as string) as EntryRecord, after, written: true });
      else if (!isDeepStrictEqual(current, after)) moves.push({ before: current, after, written: false, revision: (item.revision as number | undefined) ?? 0 });
    }
    const replaced = await this.#replaceItems(dumpId, moves, batchId);
    if (replaced.length === 0) return;
    const moved = difference(tallyOf(replaced.map(({ after }) => after)), tallyOf(replaced.map(({ before }) => before)));
    if (moved.size > 0) await countOnce(this.#db, this.#tables.dumps, dumpId, batchId, moved);
    await this.#writePostings(dumpId, replaced.map(({ after }) => after), replaced.map(({ before }) => before).filter(isMessage));
  }

  /** Writes the replacements not yet written, each only if nobody replaced it since it was read; returns those that hold. */
  async #replaceItems(dumpId: string, moves: Replacement[], batchId: string): Promise<Replacement[]> {
    const replaceOne = async (move: Replacement): Promise<Replacement | null> => {
      if (move.written) return move;
      const item = { ...entryItem(dumpId, move.after), revision: move.revision! + 1, replacedBy: batchId, replacedFrom: JSON.stringify(move.before) };
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
        return move;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return null; // another run replaced it first, and counts it
        throw error;
      }
    };
    return (await mapConcurrently(moves, PARALLEL_REPLACEMENTS, replaceOne)).filter((move) => move !== null);
  }

  /** The postings of `records`, the removal of those `replaced` had that they do not, and selectors not yet registered. */
  async #writePostings(dumpId: string, records: MessageRecord[], replaced: MessageRecord[]): Promise<void> {
    const postings = records.flatMap((record) => postingItems(dumpId, record));
    const kept = new Set(postings.map(postingKeyText));
    const removed = replaced.flatMap((record) => postingItems(dumpId, record)).filter((item) => !kept.has(postingKeyText(item)));
    const selectors = new Map<string, Item>();
    for (const record of records) {
      for (const { domain, selector } of selectorsSigning(record.signatures)) {
        const name = `${keyPart(domain)}#${keyPart(selector)}`;
        if (!this.#registeredSelectors.has(name)) selectors.set(name, selectorItem(domain, selector));
      }
    }
    const writes: WriteRequest[] = [...putsOf(postings), ...removed.map((item) => ({ DeleteRequest: { Key: postingKey(item) } })), ...putsOf([...selectors.values()])];
    await writeAll(this.#db, this.#tables.postings, POSTINGS_TABLE, writes);
    if (this.#registeredSelectors.size + selectors.size > REMEMBERED_SELECTORS) this.#registeredSelectors.clear();
    for (const name of selectors.keys()) this.#registeredSelectors.add(name);
  }

  /** Dump items, newest first. */
  #dumpItems(): AsyncGenerator<Item> {
    return queryAll(this.#db, this.#dumpsByStart());
  }

  async #newestDumpId(): Promise<string | undefined> {
    const newest = this.#dumpsByStart({ Limit: 1, ProjectionExpression: '#dumpId', ExpressionAttributeNames: { '#dumpId': DUMPS_TABLE.partitionKey } });
    const { Items: items } = await this.#db.send(new QueryCommand(newest));
    return items?.[0]?.[DUMPS_TABLE.partitionKey] as string | undefined;
  }

  /** A Query of the byStart index, newest dump first, with `extra` merged in. */
  #dumpsByStart(extra: Partial<QueryCommandInput> = {}): QueryCommandInput {
    const { indexName, partitionKey } = DUMPS_TABLE.byStart;
    return {
      ...extra,
      TableName: this.#tables.dumps,
      IndexName: indexName,
      KeyConditionExpression: '#listing = :listing',
      ExpressionAttributeNames: { ...extra.ExpressionAttributeNames, '#listing': partitionKey },
      ExpressionAttributeValues: { ':listing': DUMP_LISTING },
      ScanIndexForward: false,
    };
  }

  /** A Query of a dump's entries in the verdicts table, with `extra` merged in (names and values too). */
  #dumpEntries(dumpId: string, extra: Partial<QueryCommandInput>): QueryCommandInput {
    return {
      ...extra,
      TableName: this.#tables.verdicts,
      KeyConditionExpression: '#dumpId = :dump',
      ExpressionAttributeNames: { ...extra.ExpressionAttributeNames, '#dumpId': VERDICTS_TABLE.partitionKey },
      ExpressionAttributeValues: { ...extra.ExpressionAttributeValues, ':dump': dumpId },
    };
  }

  /** A Query of one posting partition. */
  /** A Query of one posting partition, or of its items whose sort key starts with `prefix`. */
  #posting(posting: string, prefix?: string): QueryCommandInput {
    if (prefix === undefined) {
      return {
        TableName: this.#tables.postings,
        KeyConditionExpression: '#posting = :posting',
        ExpressionAttributeNames: { '#posting': POSTINGS_TABLE.partitionKey },
        ExpressionAttributeValues: { ':posting': posting },
      };
    }
    return {
      TableName: this.#tables.postings,
      KeyConditionExpression: '#posting = :posting AND begins_with(#item, :prefix)',
      ExpressionAttributeNames: { '#posting': POSTINGS_TABLE.partitionKey, '#item': POSTINGS_TABLE.sortKey },
      ExpressionAttributeValues: { ':posting': posting, ':prefix': prefix },
    };
  }

  async #dumpItem(dumpId: string): Promise<Item | undefined> {
    const { Item: item } = await this.#db.send(new GetCommand({ TableName: this.#tables.dumps, Key: dumpKey(dumpId), ConsistentRead: true }));
    return item;
  }

  async #completeIfAllIn(item: Item, at: Date): Promise<void> {
    const counts = countsOf(item);
    if (counts.status !== 'processing' || counts.messages + counts.skipped + counts.errors !== counts.located) return;
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#tables.dumps,
          Key: dumpKey(item[DUMPS_TABLE.partitionKey] as string),
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

/** A stored record and the one replacing it; `written` when this batch already put it (a retry), else the revision read. */
interface Replacement {
  before: EntryRecord;
  after: MessageRecord;
  written: boolean;
  revision?: number;
}

/** Conditional puts in flight at once while replacing a batch. */
const PARALLEL_REPLACEMENTS = 25;

function isMessage(entry: EntryRecord): entry is MessageRecord {
  return entry.kind === 'message';
}

function batchesOf(item: Item): Set<string> {
  return (item.batches as Set<string> | undefined) ?? new Set();
}

function postingKeyText(item: Item): string {
  return `${item[POSTINGS_TABLE.partitionKey] as string}\n${item[POSTINGS_TABLE.sortKey] as string}`;
}
