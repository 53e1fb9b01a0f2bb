import { describe, expect, it } from 'vitest';
import { mapConcurrently } from '../../../shared/pipeline/map-concurrently.ts';

describe('mapConcurrently', () => {
  it('keeps at most `limit` calls in flight and returns results in the items\' order', async () => {
    let inFlight = 0;
    let most = 0;
    const work = async (n: number) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((done) => setTimeout(done, (n * 7) % 5));
      inFlight--;
      return n * 2;
    };
    const items = Array.from({ length: 40 }, (_, i) => i);
    expect(await mapConcurrently(items, 4, work)).toEqual(items.map((n) => n * 2));
    expect(most).toBe(4);
  });

  it('reads an async iterable only as calls finish', async () => {
    let read = 0;
    async function* numbers() {
      for (let i = 0; i < 10; i++) {
        read++;
        yield i;
      }
    }
    let readWhenFirstFinished = -1;
    const results = await mapConcurrently(numbers(), 3, async (n) => {
      await new Promise((done) => setTimeout(done, 5));
      if (readWhenFirstFinished < 0) readWhenFirstFinished = read;
      return n;
    });
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(readWhenFirstFinished).toBe(3);
  });

  it('passes a failure on', async () => {
    await expect(mapConcurrently([1, 2, 3], 2, async (n) => (n === 2 ? Promise.reject(new Error('no')) : n))).rejects.toThrow('no');
  });
});
