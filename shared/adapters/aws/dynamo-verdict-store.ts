/**
 * The verdict store on DynamoDB (tables in table-design.ts). Entries are written as whole items, idempotent per
 * (dump, locator). The dump's counts are kept on its item and updated once per batch of entries, not once per
 * message: each batch carries an id, and the update that adds its counts also adds the id to the item's
 * `batches` set under the condition that it is not there yet, so a batch delivered twice is counted once.
 * A dump is complete exactly when its entries add up to what was located.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { locatorKey } from '../../dump/entry.ts';
import { exportRecordOf } from '../../pipeline/entry-record.ts';
import type { DumpRecord, DumpStatus, DumpSummary, EntryRecord, ExportRecord, VerdictStore } from '../../ports/verdict-store.ts';
import { REASONS, VERDICTS, type Reason, type Verdict } from '../../verdict/contract.ts';
import { signingDomains } from '../../verdict/signing-domains.ts';
import { queryAll } from './dynamo-query.ts';
import { DUMPS_TABLE, VERDICTS_TABLE } from './table-design.ts';

export interface DynamoTables {
  dumps: string;
  verdicts: string;
}

/** A batch of entries as one unit of counting: a worker's job, with the entries it found beyond one per unit. */
export interface EntryBatch {
  id: string;
  /** Entries beyond the located units (a container where a message was expected yields all its entries). */
  extraLocated: number;
}

export interface DumpCounts {
  status: DumpStatus;
  /** Entries located by the splitter (undefined while it runs), plus those found inside unexpected containers. */
  located: number | undefined;
  messages: number;
  skipped: number;
  errors: number;
}

const DUMP_ITEM = 'dump';
const DOMAIN_ITEM_PREFIX = 'domain#';
const LISTING = 'dumps';
const TOP_SIGNING_DOMAINS = 10;
const BATCH_WRITE_ITEMS = 25;

type Item = Record<string, unknown>;

export class DynamoVerdictStore implements VerdictStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #tables: DynamoTables;

  constructor(db: DynamoDBDocumentClient, tables: DynamoTables) {
    this.#db = db;
    this.#tables = tables;
  }

  /** A new dump starts as "splitting"; one whose split was cut short starts over. */
  async openDump(dump: Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'>, at: Date): Promise<DumpRecord> {
    const item = {
      [DUMPS_TABLE.partitionKey]: dump.id,
      [DUMPS_TABLE.sortKey]: DUMP_ITEM,
      [DUMPS_TABLE.byStart.partitionKey]: LISTING,
      [DUMPS_TABLE.byStart.sortKey]: at.toISOString(),
      name: dump.name,
      source: dump.source,
      bytes: dump.bytes,
      status: 'splitting',
      messages: 0,
      skipped: 0,
      errors: 0,
      extraLocated: 0,
    };
    try {
      await this.#db.send(new PutCommand({ TableName: this.#tables.dumps, Item: item, ConditionExpression: 'attribute_not_exists(dumpId)' }));
      return dumpRecordOf(item);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const stored = (await this.#dumpItem(dump.id))!;
    if (stored.status === 'interrupted') {
      await this.setStatus(dump.id, 'splitting', at);
      return { ...dumpRecordOf(stored), status: 'splitting', finishedAt: null };
    }
    return dumpRecordOf(stored);
  }

  async setStatus(dumpId: string, status: DumpStatus, at: Date): Promise<void> {
    const finished = status === 'complete' || status === 'interrupted';
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#tables.dumps,
          Key: dumpKey(dumpId),
          UpdateExpression: finished ? 'SET #status = :status, finishedAt = :at' : 'SET #status = :status REMOVE finishedAt',
          ConditionExpression: 'attribute_exists(dumpId)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: finished ? { ':status': status, ':at': at.toISOString() } : { ':status': status },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new Error(`no dump ${dumpId} in the store`);
      throw error;
    }
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
    const query = { TableName: this.#tables.verdicts, KeyConditionExpression: 'dumpId = :dump', ExpressionAttributeNames: { '#locator': 'locator' }, ExpressionAttributeValues: { ':dump': dumpId }, ProjectionExpression: '#locator' };
    for await (const item of queryAll(this.#db, query)) keys.add(item.locator as string);
    return keys;
  }

  /**
   * Writes the entries, then counts them once per batch. Without a batch id the id is derived from the
   * entries' locators, so the same batch written again is not counted again.
   */
  async putEntries(dumpId: string, entries: EntryRecord[], batch?: EntryBatch): Promise<void> {
    if (entries.length === 0 && !batch?.extraLocated) return;
    const batchId = batch?.id ?? `h${createHash('sha256').update(entries.map((e) => locatorKey(e.locator)).join('\n')).digest('hex').slice(0, 16)}`;
    await this.#writeItems(entries.map((entry) => entryItem(dumpId, entry)));
    const tally = tallyOf(entries);
    // Domain counters first: if this fails part way, the batch is not counted yet and its redelivery finishes them.
    for (const [domain, messages] of tally.domains) {
      await this.#addOnce({ ...dumpKey(dumpId), [DUMPS_TABLE.sortKey]: DOMAIN_ITEM_PREFIX + domain }, batchId, { messages }, { domain });
    }
    const counts: Record<string, number> = { messages: tally.messages, skipped: tally.skipped, errors: tally.errors, extraLocated: batch?.extraLocated ?? 0 };
    for (const [verdict, n] of tally.verdicts) counts[`v_${verdict}`] = n;
    for (const [reason, n] of tally.reasons) counts[`r_${reason}`] = n;
    const updated = await this.#addOnce(dumpKey(dumpId), batchId, counts, {}, true);
    if (updated) await this.#completeIfAllIn(updated, new Date());
  }

  /** Whether a batch has been counted: the dead-letter recorder must not overwrite a job that did finish. */
  async isBatchCounted(dumpId: string, batchId: string): Promise<boolean> {
    const item = await this.#dumpItem(dumpId);
    return item !== undefined && (item.batches as Set<string> | undefined)?.has(batchId) === true;
  }

  async counts(dumpId: string): Promise<DumpCounts | null> {
    const item = await this.#dumpItem(dumpId);
    return item ? countsOf(item) : null;
  }

  async listDumps(): Promise<DumpRecord[]> {
    const { indexName, partitionKey } = DUMPS_TABLE.byStart;
    const query = {
      TableName: this.#tables.dumps,
      IndexName: indexName,
      KeyConditionExpression: '#listing = :listing',
      ExpressionAttributeNames: { '#listing': partitionKey },
      ExpressionAttributeValues: { ':listing': LISTING },
      ScanIndexForward: false,
    };
    const dumps: DumpRecord[] = [];
    for await (const item of queryAll(this.#db, query)) dumps.push(dumpRecordOf(item));
    return dumps;
  }

  async summary(dumpId?: string): Promise<DumpSummary | null> {
    const id = dumpId ?? (await this.listDumps())[0]?.id;
    const item = id === undefined ? undefined : await this.#dumpItem(id);
    if (!item || id === undefined) return null;
    const { messages, skipped, errors } = countsOf(item);
    const summary: DumpSummary = { dump: dumpRecordOf(item), messages, byVerdict: {}, byReason: {}, signingDomains: [], skipped, errors };
    for (const verdict of VERDICTS) if (item[`v_${verdict}`]) summary.byVerdict[verdict] = item[`v_${verdict}`] as number;
    for (const reason of Object.values(REASONS).flat()) if (item[`r_${reason}`]) summary.byReason[reason] = item[`r_${reason}`] as number;
    const domains = {
      TableName: this.#tables.dumps,
      KeyConditionExpression: 'dumpId = :dump AND begins_with(#item, :prefix)',
      ExpressionAttributeNames: { '#item': DUMPS_TABLE.sortKey, '#messages': 'messages' },
      ExpressionAttributeValues: { ':dump': id, ':prefix': DOMAIN_ITEM_PREFIX },
      ProjectionExpression: '#item, #messages',
    };
    const counted: { domain: string; messages: number }[] = [];
    for await (const domain of queryAll(this.#db, domains)) counted.push({ domain: (domain.item as string).slice(DOMAIN_ITEM_PREFIX.length), messages: domain.messages as number });
    summary.signingDomains = counted.sort((a, b) => b.messages - a.messages || (a.domain < b.domain ? -1 : 1)).slice(0, TOP_SIGNING_DOMAINS);
    return summary;
  }

  async *exportRecords(dumpId?: string): AsyncGenerator<ExportRecord> {
    const id = dumpId ?? (await this.listDumps())[0]?.id;
    if (id === undefined) return;
    // Sort-key order is the locator's text order, as the local store exports.
    const query = {
      TableName: this.#tables.verdicts,
      KeyConditionExpression: 'dumpId = :dump',
      FilterExpression: '#kind <> :skipped',
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: { ':dump': id, ':skipped': 'skipped' },
    };
    for await (const item of queryAll(this.#db, query)) yield exportRecordOf(id, JSON.parse(item.record as string));
  }

  async #dumpItem(dumpId: string): Promise<Item | undefined> {
    const { Item: item } = await this.#db.send(new GetCommand({ TableName: this.#tables.dumps, Key: dumpKey(dumpId), ConsistentRead: true }));
    return item;
  }

  /**
   * Adds `counts` to an item unless `batchId` is already in its `batches` set; returns the item as updated, or
   * undefined when the batch had been counted before.
   */
  async #addOnce(key: Item, batchId: string, counts: Record<string, number>, set: Record<string, string>, mustExist = false): Promise<Item | undefined> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':batch': new Set([batchId]), ':batchId': batchId };
    const adds = Object.entries(counts).map(([name, n], i) => {
      names[`#c${i}`] = name;
      values[`:c${i}`] = n;
      return `#c${i} :c${i}`;
    });
    const sets = Object.entries(set).map(([name, value], i) => {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      return `#s${i} = :s${i}`;
    });
    try {
      const result = await this.#db.send(
        new UpdateCommand({
          TableName: this.#tables.dumps,
          Key: key,
          UpdateExpression: `ADD ${[...adds, '#batches :batch'].join(', ')}${sets.length > 0 ? ` SET ${sets.join(', ')}` : ''}`,
          ConditionExpression: `${mustExist ? 'attribute_exists(dumpId) AND ' : ''}NOT contains(#batches, :batchId)`,
          ExpressionAttributeNames: { ...names, '#batches': 'batches' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (mustExist && (await this.#dumpItem(key.dumpId as string)) === undefined) throw new Error(`no dump ${key.dumpId as string} in the store`);
      return undefined;
    }
  }

  async #completeIfAllIn(item: Item, at: Date): Promise<void> {
    const counts = countsOf(item);
    if (counts.status !== 'processing' || counts.messages + counts.skipped + counts.errors !== counts.located) return;
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#tables.dumps,
          Key: dumpKey(item.dumpId as string),
          UpdateExpression: 'SET #status = :complete, finishedAt = :at',
          ConditionExpression: '#status = :processing',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':complete': 'complete', ':processing': 'processing', ':at': at.toISOString() },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // another writer completed it
    }
  }

  async #writeItems(items: Item[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH_WRITE_ITEMS) {
      let requests = items.slice(i, i + BATCH_WRITE_ITEMS).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 0) await new Promise((done) => setTimeout(done, Math.min(2000, 50 * 2 ** attempt)));
        if (attempt > 8) throw new Error(`DynamoDB kept ${requests.length} verdict writes unprocessed`);
        const result = await this.#db.send(new BatchWriteCommand({ RequestItems: { [this.#tables.verdicts]: requests } }));
        requests = (result.UnprocessedItems?.[this.#tables.verdicts] ?? []) as typeof requests;
      }
    }
  }
}

function dumpKey(dumpId: string): Item {
  return { [DUMPS_TABLE.partitionKey]: dumpId, [DUMPS_TABLE.sortKey]: DUMP_ITEM };
}

function countsOf(item: Item): DumpCounts {
  const located = item.located === undefined ? undefined : (item.located as number) + (item.extraLocated as number);
  return { status: item.status as DumpStatus, located, messages: item.messages as number, skipped: item.skipped as number, errors: item.errors as number };
}

function dumpRecordOf(item: Item): DumpRecord {
  return {
    id: item.dumpId as string,
    name: item.name as string,
    source: item.source as string,
    bytes: item.bytes as number,
    status: item.status as DumpStatus,
    startedAt: item.startedAt as string,
    finishedAt: (item.finishedAt as string | undefined) ?? null,
  };
}

/**
 * One entry as an item: the record whole (JSON), plus the keys of the indexes that list a dump's entries by
 * verdict (errors under "error") and by signing domain (the first signature's d=, the most recent signer).
 */
function entryItem(dumpId: string, entry: EntryRecord): Item {
  const item: Item = { dumpId, locator: locatorKey(entry.locator), kind: entry.kind, record: JSON.stringify(entry) };
  if (entry.kind === 'skipped') return item;
  item[VERDICTS_TABLE.byVerdict.partitionKey] = `${dumpId}#${entry.kind === 'error' ? 'error' : entry.verdict}`;
  const [domain] = entry.kind === 'message' ? signingDomains(entry.signatures) : [];
  if (domain !== undefined) item[VERDICTS_TABLE.byDomain.partitionKey] = `${dumpId}#${domain}`;
  return item;
}

interface Tally {
  messages: number;
  skipped: number;
  errors: number;
  verdicts: Map<Verdict, number>;
  reasons: Map<Reason, number>;
  domains: Map<string, number>;
}

function tallyOf(entries: EntryRecord[]): Tally {
  const tally: Tally = { messages: 0, skipped: 0, errors: 0, verdicts: new Map(), reasons: new Map(), domains: new Map() };
  const add = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const entry of entries) {
    if (entry.kind === 'skipped') tally.skipped++;
    else if (entry.kind === 'error') tally.errors++;
    else {
      tally.messages++;
      add(tally.verdicts, entry.verdict);
      for (const reason of new Set(entry.reasons)) add(tally.reasons, reason);
      for (const domain of signingDomains(entry.signatures)) add(tally.domains, domain);
    }
  }
  return tally;
}
