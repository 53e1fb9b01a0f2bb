/**
 * Runs `work` over `items` with at most `limit` calls in flight, and returns the results in the items' order.
 * For round trips to a remote service (DynamoDB, DNS): one at a time wastes the wait, all at once swamps it.
 * `items` may be an async iterable: it is read as calls finish, never ahead of them.
 */
export async function mapConcurrently<T, R>(items: Iterable<T> | AsyncIterable<T>, limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const results: R[] = [];
  let taken = 0;
  const worker = async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      const index = taken++;
      results[index] = await work(next.value);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}
