import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteKeyArchive } from '../../../shared/adapters/local/sqlite-key-archive.ts';
import { importKeyFile, isoTime, keyFromJson, parseKeyLines } from '../../../shared/keys/key-import.ts';
import type { ArchivedKey, KeyArchive } from '../../../shared/ports/key-archive.ts';
import { useTempHome } from '../../helpers/temp-home.ts';

const temp = useTempHome('leakproof-import-');

function openArchive(): SqliteKeyArchive {
  return new SqliteKeyArchive(temp.open(join(temp.dir, 'home')));
}

/** A KeyArchive with only the port's methods: no batches, no outcomes. */
class ListKeyArchive implements KeyArchive {
  readonly recorded: ArchivedKey[] = [];
  async find(domain: string, selector: string): Promise<ArchivedKey[]> {
    return this.recorded.filter((key) => key.domain === domain && key.selector === selector);
  }
  async findByDomain(domain: string): Promise<ArchivedKey[]> {
    return this.recorded.filter((key) => key.domain === domain);
  }
  async record(key: ArchivedKey): Promise<void> {
    this.recorded.push(key);
  }
}

function writeLines(name: string, lines: string[]): string {
  const path = join(temp.dir, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

const line = (record: Record<string, unknown>): string => JSON.stringify(record);

describe('importKeyFile', () => {
  it('imports good lines and reports each bad one by line number, without stopping', async () => {
    const path = writeLines('zk-archive.jsonl', [
      line({ domain: 'a.example', selector: 's1', value: 'v=DKIM1; p=AAA', firstSeenAt: '2024-01-01T00:00:00.000Z' }),
      '',
      line({ domain: 'b.example', value: 'v=DKIM1; p=BBB' }),
      '{"domain": "c.example", "selector": ',
      line({ domain: 'd.example', selector: 's1', value: 'v=DKIM1; p=DDD', lastSeenAt: 'not a date' }),
      '"just a string"',
      line({ domain: 'e.example', selector: 's1', value: 42 }),
      line({ domain: 'f.example', selector: 's1', value: 'v=DKIM1; p=FFF', source: 'my-notes' }),
      line({
        domain: 'g.example',
        selector: 's1',
        value: 'v=DKIM1; p=GGG',
        firstSeenAt: '2024-02-01T00:00:00.000Z',
        lastSeenAt: '2024-01-01T00:00:00.000Z',
      }),
    ]);
    const archive = openArchive();
    const result = await importKeyFile(path, archive);
    expect(result.imported).toBe(2);
    expect(result.updated).toBe(0);
    expect(result.errors).toHaveLength(6);
    expect(result.rejected).toBe(6);
    expect(result.errors[0]).toBe('line 3: missing "selector"');
    expect(result.errors[1]).toMatch(/^line 4: not JSON/);
    expect(result.errors[2]).toBe('line 5: "lastSeenAt" is not a date: "not a date"');
    expect(result.errors[3]).toBe('line 6: not a JSON object');
    expect(result.errors[4]).toBe('line 7: "value" is not a string');
    expect(result.errors[5]).toMatch(/^line 9: "firstSeenAt" \(2024-02-01T00:00:00.000Z\) is after "lastSeenAt"/);

    expect(await archive.find('a.example', 's1')).toEqual([
      {
        domain: 'a.example',
        selector: 's1',
        value: 'v=DKIM1; p=AAA',
        firstSeenAt: '2024-01-01T00:00:00.000Z',
        lastSeenAt: null,
        source: 'zk-archive.jsonl',
        compromisedAt: null,
      },
    ]);
    expect((await archive.find('f.example', 's1'))[0]?.source).toBe('my-notes');
    expect(await archive.count()).toBe(2);
  });

  it('accepts compromisedAt, and names the selectors the records belong to', async () => {
    const path = writeLines('leaked-keys.jsonl', [
      line({ domain: 'A.example.', selector: 'S1', value: 'v=DKIM1; p=AAA', compromisedAt: 1_600_000_000 }),
      line({ domain: 'a.example', selector: 's1', value: 'v=DKIM1; p=AA2' }),
      line({ domain: 'b.example', selector: 's2', value: 'v=DKIM1; p=BBB', compromisedAt: 'yesterday-ish' }),
    ]);
    const archive = openArchive();
    const result = await importKeyFile(path, archive);
    expect(result.errors).toEqual(['line 3: "compromisedAt" is not a date: "yesterday-ish"']);
    expect(result.selectors).toEqual([{ domain: 'a.example', selector: 's1' }]);
    expect((await archive.find('a.example', 's1')).map((key) => key.compromisedAt ?? null)).toEqual(['2020-09-13T12:26:40.000Z', null]);
  });

  it('counts records the archive already held as updated when imported again', async () => {
    const first = writeLines('first.jsonl', [
      line({ domain: 'a.example', selector: 's1', value: 'v=DKIM1; p=AAA', firstSeenAt: '2024-03-01T00:00:00Z' }),
    ]);
    const second = writeLines('second.jsonl', [
      line({ domain: 'A.example', selector: 's1', value: 'v=DKIM1; p=AAA', firstSeenAt: '2024-01-01T00:00:00Z' }),
      line({ domain: 'a.example', selector: 's2', value: 'v=DKIM1; p=NEW' }),
    ]);
    const archive = openArchive();
    await importKeyFile(first, archive);
    expect(await importKeyFile(second, archive)).toEqual({ imported: 2, updated: 1, errors: [], rejected: 0, selectors: expect.any(Array) });
    expect(await archive.find('a.example', 's1')).toEqual([
      expect.objectContaining({ firstSeenAt: '2024-01-01T00:00:00.000Z', source: 'first.jsonl' }),
    ]);
  });

  it('reads a whole-file JSON array, numbering errors by item', async () => {
    const path = join(temp.dir, 'keys.json');
    writeFileSync(
      path,
      JSON.stringify(
        [
          { domain: 'a.example', selector: 's1', value: 'v=DKIM1; p=AAA', firstSeenAt: 1_700_000_000 },
          { domain: 'b.example', selector: 's1' },
        ],
        null,
        2,
      ),
    );
    const archive = new ListKeyArchive();
    const result = await importKeyFile(path, archive, { source: 'archive.zk.email' });
    expect(result).toEqual({ imported: 1, errors: ['item 2: missing "value"'], rejected: 1, selectors: [{ domain: 'a.example', selector: 's1' }] });
    expect(archive.recorded).toEqual([
      {
        domain: 'a.example',
        selector: 's1',
        value: 'v=DKIM1; p=AAA',
        firstSeenAt: '2023-11-14T22:13:20.000Z',
        lastSeenAt: null,
        source: 'archive.zk.email',
      },
    ]);
  });

  it('streams a large file in batches, and lists only the first errors', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) {
      lines.push(i % 10 === 9 ? '{}' : line({ domain: `d${i % 100}.example`, selector: `s${i}`, value: `v=DKIM1; p=${i}` }));
    }
    const path = writeLines('big.jsonl', lines);
    const progress: number[] = [];
    const archive = openArchive();
    const result = await importKeyFile(path, archive, { maxErrors: 3, onProgress: (read) => progress.push(read) });
    expect(result.imported).toBe(4500);
    expect(result.errors).toEqual([
      'line 10: missing "domain"',
      'line 20: missing "domain"',
      'line 30: missing "domain"',
      '… and 497 more bad records not listed',
    ]);
    expect(result.rejected).toBe(500);
    expect(await archive.count()).toBe(4500);
    expect(progress.at(-1)).toBe(5000);
  });

  it('accepts a byte-order mark and CRLF line ends', async () => {
    const jsonl = join(temp.dir, 'bom.jsonl');
    writeFileSync(jsonl, '\uFEFF' + line({ domain: 'a.example', selector: 's1', value: 'v=DKIM1; p=A' }) + '\r\n\r\n');
    const array = join(temp.dir, 'bom.json');
    writeFileSync(array, '\uFEFF[\r\n' + line({ domain: 'b.example', selector: 's1', value: 'v=DKIM1; p=B' }) + '\r\n]\r\n');
    const archive = new ListKeyArchive();
    expect(await importKeyFile(jsonl, archive)).toEqual({ imported: 1, errors: [], rejected: 0, selectors: expect.any(Array) });
    expect(await importKeyFile(array, archive)).toEqual({ imported: 1, errors: [], rejected: 0, selectors: expect.any(Array) });
    expect(archive.recorded.map((key) => key.value)).toEqual(['v=DKIM1; p=A', 'v=DKIM1; p=B']);
  });

  it('fails, rather than imports nothing quietly, when the file cannot be read', async () => {
    await expect(importKeyFile(join(temp.dir, 'missing.jsonl'), new ListKeyArchive())).rejects.toThrow(/ENOENT/);
  });

  it('records one by one into an archive that has no batches, and then cannot tell what was new', async () => {
    const path = writeLines('plain.jsonl', [
      line({ domain: 'a.example', selector: 's1', value: 'v=DKIM1; p=AAA' }),
      line({ domain: 'a.example', selector: 's1', value: 'v=DKIM1; p=AAA' }),
    ]);
    const archive = new ListKeyArchive();
    expect(await importKeyFile(path, archive)).toEqual({ imported: 2, errors: [], rejected: 0, selectors: expect.any(Array) });
    expect(archive.recorded).toHaveLength(2);
  });
});

describe('parseKeyLines', () => {
  it('gives one result per non-blank line, numbered as in the file', async () => {
    const results = [];
    for await (const result of parseKeyLines(['', line({ domain: 'a', selector: 's', value: 'v' }), '  ', 'x'], null)) {
      results.push(result);
    }
    expect(results).toEqual([
      { line: 2, key: { domain: 'a', selector: 's', value: 'v', firstSeenAt: null, lastSeenAt: null, source: null } },
      { line: 4, error: expect.stringMatching(/^line 4: not JSON/) },
    ]);
  });
});

describe('keyFromJson', () => {
  it('trims names, keeps the value as written, and defaults the source', () => {
    expect(keyFromJson({ domain: ' a.example ', selector: 's1 ', value: ' v=DKIM1; p=A ' }, 'file.jsonl')).toEqual({
      domain: 'a.example',
      selector: 's1',
      value: ' v=DKIM1; p=A ',
      firstSeenAt: null,
      lastSeenAt: null,
      source: 'file.jsonl',
    });
    expect(keyFromJson({ domain: 'a', selector: '   ', value: 'v' }, null)).toBe('missing "selector"');
    expect(keyFromJson({ domain: 'a', selector: 's', value: 'v', source: 7 }, null)).toBe('"source" is not a string');
    expect(keyFromJson([], null)).toBe('not a JSON object');
  });
});

describe('isoTime', () => {
  it('reads ISO strings and epoch seconds or milliseconds, as numbers or digit strings', () => {
    const instant = '2023-11-14T22:13:20.000Z';
    expect(isoTime('2023-11-14T23:13:20+01:00')).toBe(instant);
    expect(isoTime(1_700_000_000)).toBe(instant);
    expect(isoTime(1_700_000_000_000)).toBe(instant);
    expect(isoTime('1700000000')).toBe(instant);
    expect(isoTime('1700000000000')).toBe(instant);
    expect(isoTime(null)).toBeNull();
    expect(isoTime(undefined)).toBeNull();
    expect(isoTime('soon')).toBeUndefined();
    expect(isoTime(true)).toBeUndefined();
    expect(isoTime(Number.NaN)).toBeUndefined();
  });
});
