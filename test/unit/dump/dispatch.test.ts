import { describe, expect, it } from 'vitest';
import type { DumpEntry } from '../../../shared/dump/entry.ts';
import { readItem } from '../../../shared/dump/dispatch.ts';
import type { DumpItem } from '../../../shared/dump/item.ts';

async function entriesOf(item: DumpItem): Promise<DumpEntry[]> {
  const entries: DumpEntry[] = [];
  for await (const entry of readItem(item)) entries.push(entry);
  return entries;
}

const item = (path: string, read: () => AsyncIterable<Buffer>): DumpItem => ({ kind: 'item', path, read });

describe('readItem', () => {
  it('turns an unreadable item into one error entry', async () => {
    const locked = item('locked.eml', () => ({
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(Object.assign(new Error("EACCES: permission denied, open '/x/locked.eml'"), { code: 'EACCES' })),
      }),
    }));
    expect(await entriesOf(locked)).toEqual([{ kind: 'error', locator: { path: 'locked.eml' }, reason: 'permission denied' }]);
  });

  it('does not read OS litter at all', async () => {
    const untouchable = item('a/.DS_Store', () => {
      throw new Error('read');
    });
    expect(await entriesOf(untouchable)).toEqual([{ kind: 'skipped', locator: { path: 'a/.DS_Store' }, reason: 'macOS metadata (.DS_Store)' }]);
  });

  it('stops reading a skipped item after its first bytes', async () => {
    let chunksRead = 0;
    const pdf = item('big.pdf', async function* () {
      for (let n = 0; n < 1000; n++) {
        chunksRead++;
        yield Buffer.from('%PDF-1.4\n'.padEnd(65536, 'x'));
      }
    });
    expect(await entriesOf(pdf)).toEqual([{ kind: 'skipped', locator: { path: 'big.pdf' }, reason: 'not a message (pdf)' }]);
    expect(chunksRead).toBe(1);
  });
});
