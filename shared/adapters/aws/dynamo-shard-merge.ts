/**
 * One ordered walk over the partitions of a sharded key: a Query of each shard, merged by sort key (a k-way
 * merge). Every shard sorts by the same key, so a position "after sort key K" is a position in each of them:
 * a walk resumes after K in every shard, and a listing's cursor needs only K.
 *
 * Shards are read lazily, a page at a time, and only when the merge cannot tell what comes next without them: an
 * item is given out once no unread shard could hold a smaller one.
 */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { cursorAfter } from '../../pipeline/message-listing.ts';
import { byteOrder } from './dynamo-keys.ts';

type Item = Record<string, unknown>;

export interface ShardedQuery {
  /** One Query per shard (each with its partition in KeyConditionExpression). */
  inputs: QueryCommandInput[];
  /** The sort key of an item (or of a LastEvaluatedKey), what shards are merged by. */
  sortKeyOf(item: Item): string;
  /** Descending (ScanIndexForward false on every input). */
  descending?: boolean;
  /** The ExclusiveStartKey of shard `index` for a walk resuming after sort key `after`. */
  startAfter?(index: number, after: string): Item;
  /** Where to resume: after this sort key. */
  after?: string;
  /** Items per Query page: the first, then growing fourfold to `maxPageItems` as a shard keeps being read. */
  firstPageItems?: number;
  maxPageItems?: number;
}

interface Shard {
  input: QueryCommandInput;
  buffer: Item[];
  /** The sort key read up to (the last item or LastEvaluatedKey seen), or the position resumed after. */
  readUpTo: string | undefined;
  started: boolean;
  done: boolean;
  pageItems: number | undefined;
}

export class ShardMerge {
  readonly #db: DynamoDBDocumentClient;
  readonly #query: ShardedQuery;
  readonly #shards: Shard[];
  /** Rounds of Queries made (each round reads every shard that blocks the merge, at once). */
  rounds = 0;

  constructor(db: DynamoDBDocumentClient, query: ShardedQuery) {
    this.#db = db;
    this.#query = query;
    this.#shards = query.inputs.map((input, index) => ({
      input,
      buffer: [],
      readUpTo: query.after,
      started: false,
      done: false,
      pageItems: query.firstPageItems,
    }));
    if (query.after !== undefined && query.startAfter) {
      this.#shards.forEach((shard, index) => (shard.input = { ...shard.input, ExclusiveStartKey: query.startAfter!(index, query.after!) }));
    }
  }

  /** -1, 0, 1 in walk order. */
  #compare(a: string, b: string): number {
    return this.#query.descending ? byteOrder(b, a) : byteOrder(a, b);
  }

  /**
   * The next item in sort-key order; null when every shard is read to its end; 'budget' when giving it would
   * need another round of Queries and `mayQuery()` says no (see `resumeAfter`).
   */
  async next(mayQuery: () => boolean = () => true): Promise<Item | null | 'budget'> {
    for (;;) {
      let head: { shard: Shard; key: string } | undefined;
      for (const shard of this.#shards) {
        const first = shard.buffer[0];
        if (first === undefined) continue;
        const key = this.#query.sortKeyOf(first);
        if (head === undefined || this.#compare(key, head.key) < 0) head = { shard, key };
      }
      // A shard with nothing buffered blocks while it could still hold something before the head.
      const blocking = this.#shards.filter(
        (shard) => !shard.done && shard.buffer.length === 0 && (!shard.started || head === undefined || shard.readUpTo === undefined || this.#compare(shard.readUpTo, head.key) < 0),
      );
      if (blocking.length === 0) return head === undefined ? null : head.shard.buffer.shift()!;
      if (!mayQuery()) return 'budget';
      this.rounds++;
      await Promise.all(blocking.map((shard) => this.#read(shard)));
    }
  }

  /**
   * After 'budget': the sort key everything given out so far is at or before, and nothing not given out is
   * (undefined: nothing was read past where the walk started).
   */
  resumeAfter(): string | undefined {
    let position: string | undefined;
    for (const shard of this.#shards) {
      if (shard.done || shard.buffer.length > 0) continue;
      if (shard.readUpTo === undefined) return undefined;
      if (position === undefined || this.#compare(shard.readUpTo, position) < 0) position = shard.readUpTo;
    }
    return position;
  }

  /** Every item left, in order. */
  async *all(): AsyncGenerator<Item> {
    for (let item = await this.next(); item !== null; item = await this.next()) yield item as Item;
  }

  async #read(shard: Shard): Promise<void> {
    const page = await this.#db.send(new QueryCommand({ ...shard.input, ...(shard.pageItems === undefined ? {} : { Limit: shard.pageItems }) }));
    shard.started = true;
    shard.buffer.push(...(page.Items ?? []));
    const last = page.LastEvaluatedKey;
    if (last === undefined) shard.done = true;
    else {
      shard.input = { ...shard.input, ExclusiveStartKey: last };
      shard.readUpTo = this.#query.sortKeyOf(last);
    }
    if (shard.pageItems !== undefined) shard.pageItems = Math.min(this.#query.maxPageItems ?? 1000, shard.pageItems * 4);
  }
}

/**
 * Rounds of Queries (each reads the shards the merge waits on, at once) one listing request may make before it
 * returns what it has, with a cursor: a filter that few entries pass must not read a whole dump in one API call.
 */
export const MAX_ROUNDS = 16;

/**
 * A page of a listing from a merge whose Queries filter what it lists: up to `limit` items, and the cursor to go
 * on after them (null on the last page). A cursor is "after this sort key" (`cursorOf`: cursorAfter, or a
 * sorted listing's, which names its sort too), which every shard resumes from.
 */
export async function readPage(
  merge: ShardMerge,
  limit: number,
  sortKeyOf: (item: Item) => string,
  maxRounds = MAX_ROUNDS,
  cursorOf: (sortKey: string) => string = cursorAfter,
): Promise<{ items: Item[]; cursor: string | null }> {
  const items: Item[] = [];
  const mayQuery = () => merge.rounds < maxRounds;
  for (;;) {
    const next = await merge.next(mayQuery);
    if (next === null) return { items, cursor: null };
    if (next === 'budget') {
      // The request's reading done: everything up to where every shard was read is given out.
      // (The first round reads every shard, so every shard not read to its end has a position.)
      return { items, cursor: cursorOf(merge.resumeAfter()!) };
    }
    // Every item given out passed the filter: one beyond the page is proof that more follow.
    if (items.length === limit) return { items, cursor: cursorOf(sortKeyOf(items.at(-1)!)) };
    items.push(next);
  }
}
