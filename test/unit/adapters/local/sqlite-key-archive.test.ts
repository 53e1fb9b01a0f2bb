import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { KEY_LOOKUP_SQL, SqliteKeyArchive } from '../../../../shared/adapters/local/sqlite-key-archive.ts';
import type { ArchivedKey } from '../../../../shared/ports/key-archive.ts';
import { archivedKey } from '../../../helpers/store-records.ts';
import { useTempHome } from '../../../helpers/temp-home.ts';

const temp = useTempHome('leakproof-keys-');

function openArchive(): SqliteKeyArchive {
  return new SqliteKeyArchive(temp.open());
}

/** A key as the archive gives it back: compromisedAt is always there, null when none was recorded. */
function storedKey(overrides: Partial<ArchivedKey> = {}): ArchivedKey {
  return archivedKey({ compromisedAt: null, ...overrides });
}

describe('SqliteKeyArchive', () => {
  it('finds what it recorded, comparing domain and selector case-insensitively', async () => {
    const archive = openArchive();
    await archive.record(archivedKey({ domain: 'Example.COM', selector: 'Sel1', firstSeenAt: '2024-01-01T00:00:00Z' }));
    const found = await archive.find('example.com', 'SEL1');
    expect(found).toEqual([
      storedKey({ domain: 'example.com', selector: 'sel1', firstSeenAt: '2024-01-01T00:00:00.000Z' }),
    ]);
    expect(await archive.find('example.com', 'sel2')).toEqual([]);
    expect(await archive.find('other.example', 'sel1')).toEqual([]);
  });

  it('widens the seen-window of the same record, ignoring unknown times', async () => {
    const archive = openArchive();
    const key = storedKey();
    await archive.record({ ...key, firstSeenAt: '2024-03-01T00:00:00.000Z', lastSeenAt: '2024-04-01T00:00:00.000Z' });
    await archive.record({ ...key, firstSeenAt: '2024-02-01T00:00:00.000Z', lastSeenAt: '2024-03-15T00:00:00.000Z' });
    await archive.record({ ...key, firstSeenAt: null, lastSeenAt: '2024-05-01T00:00:00.000Z' });
    await archive.record({ ...key, domain: 'EXAMPLE.com', firstSeenAt: null, lastSeenAt: null, source: 'other' });
    expect(await archive.find(key.domain, key.selector)).toEqual([
      { ...key, firstSeenAt: '2024-02-01T00:00:00.000Z', lastSeenAt: '2024-05-01T00:00:00.000Z', source: 'test' },
    ]);
    expect(await archive.count()).toBe(1);
  });

  it('fills a window that was unknown', async () => {
    const archive = openArchive();
    await archive.record(archivedKey());
    await archive.record(archivedKey({ firstSeenAt: '2024-01-01T00:00:00.000Z' }));
    expect((await archive.find('example.com', 'sel1'))[0]).toMatchObject({
      firstSeenAt: '2024-01-01T00:00:00.000Z',
      lastSeenAt: null,
    });
  });

  it('compares times as instants, whatever ISO form they came in', async () => {
    const archive = openArchive();
    await archive.record(archivedKey({ firstSeenAt: '2024-01-01T00:00:00.000Z', lastSeenAt: '2024-01-01T00:00:00.000Z' }));
    // One hour earlier, written with an offset: as text it would sort after.
    await archive.record(archivedKey({ firstSeenAt: '2024-01-01T00:00:00+01:00' }));
    expect((await archive.find('example.com', 'sel1'))[0]?.firstSeenAt).toBe('2023-12-31T23:00:00.000Z');
    await expect(archive.record(archivedKey({ lastSeenAt: 'yesterday' }))).rejects.toThrow(/lastSeenAt is not a date/);
  });

  it('keeps rotated keys of one selector apart, oldest first, undated last', async () => {
    const archive = openArchive();
    await archive.record(archivedKey({ value: 'v=DKIM1; p=undated' }));
    await archive.record(archivedKey({ value: 'v=DKIM1; p=new', firstSeenAt: '2024-06-01T00:00:00.000Z' }));
    await archive.record(archivedKey({ value: 'v=DKIM1; p=old', firstSeenAt: '2022-01-01T00:00:00.000Z' }));
    await archive.record(archivedKey({ value: 'v=DKIM1; p=only-last-seen', lastSeenAt: '2023-01-01T00:00:00.000Z' }));
    const values = (await archive.find('example.com', 'sel1')).map((key) => key.value);
    expect(values).toEqual(['v=DKIM1; p=old', 'v=DKIM1; p=only-last-seen', 'v=DKIM1; p=new', 'v=DKIM1; p=undated']);
    expect(await archive.count()).toBe(4);
  });

  it('records a batch in one go and tells what each record did', async () => {
    const archive = openArchive();
    await archive.record(archivedKey({ firstSeenAt: '2024-01-01T00:00:00.000Z' }));
    const outcomes = await archive.recordAll([
      archivedKey({ firstSeenAt: '2024-02-01T00:00:00.000Z' }),
      archivedKey({ firstSeenAt: '2023-01-01T00:00:00.000Z' }),
      archivedKey({ value: 'v=DKIM1; p=other' }),
    ]);
    expect(outcomes).toEqual(['unchanged', 'widened', 'added']);
    expect(await archive.count()).toBe(2);
  });

  it('sees keys recorded through another connection', async () => {
    const writer = openArchive();
    const reader = openArchive();
    await writer.record(archivedKey());
    expect(await reader.find('example.com', 'sel1')).toHaveLength(1);
  });

  it('takes keys from several worker threads at once without losing any', async () => {
    const workers = 4;
    const keysEach = 150;
    openArchive(); // Create and migrate the file first, as the ingest does before starting workers.
    await Promise.all(
      Array.from({ length: workers }, (_, worker) => {
        const thread = new Worker(new URL('./workers/record-keys-worker.ts', import.meta.url), {
          workerData: { home: temp.dir, worker, keys: keysEach },
        });
        return new Promise<void>((resolve, reject) => {
          thread.once('message', () => resolve());
          thread.once('error', reject);
          thread.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
        });
      }),
    );
    const archive = openArchive();
    expect(await archive.count()).toBe(keysEach + workers * keysEach);
    // Every worker saw the shared keys on its own day: the window spans the first and the last worker's.
    expect(await archive.find('shared.example', 's7')).toEqual([
      {
        domain: 'shared.example',
        selector: 's7',
        value: 'v=DKIM1; p=shared7',
        firstSeenAt: '2024-01-01T00:00:00.000Z',
        lastSeenAt: `2024-02-0${workers}T00:00:00.000Z`,
        source: 'dns',
        compromisedAt: null,
      },
    ]);
  });

  it('keeps the earliest compromise either record names, and counts a new one as widening', async () => {
    const archive = openArchive();
    await archive.record(archivedKey());
    expect(await archive.recordAll([archivedKey({ compromisedAt: '2024-05-01T00:00:00+02:00' })])).toEqual(['widened']);
    expect(await archive.recordAll([archivedKey({ compromisedAt: '2024-06-01T00:00:00.000Z' })])).toEqual(['unchanged']);
    expect(await archive.recordAll([archivedKey({ compromisedAt: null })])).toEqual(['unchanged']);
    expect(await archive.recordAll([archivedKey({ compromisedAt: '2024-01-01T00:00:00.000Z' })])).toEqual(['widened']);
    expect((await archive.find('example.com', 'sel1'))[0]?.compromisedAt).toBe('2024-01-01T00:00:00.000Z');
    await archive.record(archivedKey({ value: 'v=DKIM1; p=compromised', compromisedAt: '2023-01-01T00:00:00.000Z' }));
    expect((await archive.find('example.com', 'sel1')).map((key) => key.compromisedAt)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2023-01-01T00:00:00.000Z',
    ]);
    await expect(archive.record(archivedKey({ compromisedAt: 'soon' }))).rejects.toThrow(/compromisedAt is not a date/);
  });

  it('finds every key of a domain, by selector, then first seen', async () => {
    const archive = openArchive();
    await archive.record(archivedKey({ selector: 'b', value: 'v=DKIM1; p=b-new', firstSeenAt: '2024-06-01T00:00:00.000Z' }));
    await archive.record(archivedKey({ selector: 'a', value: 'v=DKIM1; p=a-undated' }));
    await archive.record(archivedKey({ selector: 'b', value: 'v=DKIM1; p=b-old', firstSeenAt: '2022-01-01T00:00:00.000Z' }));
    await archive.record(archivedKey({ selector: 'a', value: 'v=DKIM1; p=a-dated', lastSeenAt: '2023-01-01T00:00:00.000Z' }));
    await archive.record(archivedKey({ domain: 'other.example', selector: 'a', value: 'v=DKIM1; p=other' }));
    await archive.record(archivedKey({ domain: 'sub.example.com', selector: 'a', value: 'v=DKIM1; p=sub' }));
    const found = await archive.findByDomain('Example.COM');
    expect(found.map((key) => [key.selector, key.value])).toEqual([
      ['a', 'v=DKIM1; p=a-dated'],
      ['a', 'v=DKIM1; p=a-undated'],
      ['b', 'v=DKIM1; p=b-old'],
      ['b', 'v=DKIM1; p=b-new'],
    ]);
    expect(found[2]).toEqual(storedKey({ selector: 'b', value: 'v=DKIM1; p=b-old', firstSeenAt: '2022-01-01T00:00:00.000Z' }));
    expect(await archive.findByDomain('nothing.example')).toEqual([]);
  });

  it('looks keys up by index, never by scanning the archive', () => {
    const db = temp.open();
    const lookups = [
      [KEY_LOOKUP_SQL.find, ['example.com', 'sel1']],
      [KEY_LOOKUP_SQL.findByDomain, ['example.com']],
    ] as const;
    for (const [sql, params] of lookups) {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((row) => row.detail);
      expect(plan).toContainEqual(expect.stringMatching(/^SEARCH keys USING INDEX sqlite_autoindex_keys_1 \(domain=\?/));
      expect(plan).not.toContainEqual(expect.stringMatching(/^SCAN keys/));
    }
  });
});
