import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DocumentEntry, DumpEntry } from '../../../shared/dump/entry.ts';
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

  it('reads a document once, to its end: size and SHA-256 of every byte, held whole below the hold', async () => {
    const chunk = Buffer.from('%PDF-1.4\n'.padEnd(65536, 'x'));
    let chunksRead = 0;
    const pdf = item('big.pdf', async function* () {
      for (let n = 0; n < 100; n++) {
        chunksRead++;
        yield chunk;
      }
    });
    const [entry, ...rest] = await entriesOf(pdf);
    expect(rest).toEqual([]);
    const all = Buffer.concat(Array.from({ length: 100 }, () => chunk));
    const { bytes, ...facts } = entry as DocumentEntry;
    expect(facts).toEqual({ kind: 'document', locator: { path: 'big.pdf' }, size: all.length, sha256: createHash('sha256').update(all).digest('hex'), whole: true });
    expect(bytes.equals(all)).toBe(true);
    expect(chunksRead).toBe(100);
  });

  it('makes a document whose bytes fail part way an error with the reason', async () => {
    const cut = item('a.pdf', async function* () {
      yield Buffer.from('%PDF-1.4\n');
      throw new Error('zip entry data damaged: CRC-32 mismatch');
    });
    expect(await entriesOf(cut)).toEqual([{ kind: 'error', locator: { path: 'a.pdf' }, reason: 'zip entry data damaged: CRC-32 mismatch' }]);
  });

  it('skips an empty file without reading further', async () => {
    const empty = item('empty.pdf', async function* () {});
    expect(await entriesOf(empty)).toEqual([{ kind: 'skipped', locator: { path: 'empty.pdf' }, reason: 'empty file' }]);
  });
});
