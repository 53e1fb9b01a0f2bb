import { describe, expect, it } from 'vitest';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { documentPageQuery } from '../../../../shared/adapters/local/sqlite-document-listing.ts';
import { DUMP_COUNT_SQL } from '../../../../shared/adapters/local/sqlite-dump-counts.ts';
import { FILE_POSTING_SQL } from '../../../../shared/adapters/local/sqlite-file-postings.ts';
import { pageQuery, type PagePosition } from '../../../../shared/adapters/local/sqlite-message-listing.ts';
import { cursorAfter } from '../../../../shared/pipeline/message-listing.ts';
import { REVERIFY_SQL } from '../../../../shared/adapters/local/sqlite-reverify-selection.ts';
import { SqliteVerdictStore } from '../../../../shared/adapters/local/sqlite-verdict-store.ts';
import { locatorKey } from '../../../../shared/dump/entry.ts';
import { BadCursorError, MESSAGE_SORT_FIELDS, type EntryRecord, type ExportRecord, type MessageQuery } from '../../../../shared/ports/verdict-store.ts';
import { VERDICTS, type Reason, type Verdict } from '../../../../shared/verdict/contract.ts';
import {
  VERIFIED_AT,
  dumpInput,
  errorEntry,
  messageEntry,
  sha256Of,
  signature,
  skippedEntry,
} from '../../../helpers/store-records.ts';
import { useTempHome } from '../../../helpers/temp-home.ts';

const temp = useTempHome('leakproof-store-');

/** A store on its own connection to the temp home's file. */
function openStore(): SqliteVerdictStore {
  return new SqliteVerdictStore(temp.open());
}

async function collect(records: AsyncIterable<ExportRecord>): Promise<ExportRecord[]> {
  const all: ExportRecord[] = [];
  for await (const record of records) all.push(record);
  return all;
}

const T0 = new Date('2025-01-01T00:00:00.000Z');
const T1 = new Date('2025-01-02T00:00:00.000Z');
const T2 = new Date('2025-01-03T00:00:00.000Z');

describe('SqliteVerdictStore dumps', () => {
  it('opens a new dump as processing, and returns the stored record when opened again', async () => {
    const store = openStore();
    const first = await store.openDump(dumpInput('d1'), T0);
    expect(first).toEqual({ ...dumpInput('d1'), status: 'processing', startedAt: T0.toISOString(), finishedAt: null });

    await store.setStatus('d1', 'interrupted', T1);
    const again = await store.openDump(dumpInput('d1', { name: 'renamed.zip' }), T2);
    expect(again).toEqual({ ...first, status: 'processing', finishedAt: null });
    const overview = { located: 0, processed: 0, messages: 0, documents: 0, skipped: 0, errors: 0 };
    expect(await store.listDumps()).toEqual([{ ...again, ...overview }]);
  });

  it('leaves a complete dump complete when it is opened again', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    await store.setStatus('d1', 'complete', T1);
    const again = await store.openDump(dumpInput('d1'), T2);
    expect(again.status).toBe('complete');
    expect(again.finishedAt).toBe(T1.toISOString());
  });

  it('refuses a status for an unknown dump', async () => {
    await expect(openStore().setStatus('nope', 'complete', T0)).rejects.toThrow(/no dump nope/);
  });

  it('lists dumps newest first, and summarises the newest when no id is given', async () => {
    const store = openStore();
    await store.openDump(dumpInput('old'), T0);
    await store.openDump(dumpInput('new'), T1);
    await store.putEntries('old', [messageEntry('a.eml')]);
    await store.putEntries('new', [messageEntry('b.eml'), messageEntry('c.eml')]);
    expect((await store.listDumps()).map((dump) => dump.id)).toEqual(['new', 'old']);
    expect((await store.summary())?.dump.id).toBe('new');
    expect((await store.summary())?.messages).toBe(2);
    expect((await collect(store.exportRecords())).map((record) => record.locator)).toEqual(['b.eml', 'c.eml']);
    expect((await store.summary('old'))?.messages).toBe(1);
  });

  it('has no summary and no export for an unknown dump, or when there is none', async () => {
    const store = openStore();
    expect(await store.summary()).toBeNull();
    expect(await collect(store.exportRecords())).toEqual([]);
    await store.openDump(dumpInput('d1'), T0);
    expect(await store.summary('other')).toBeNull();
    expect(await collect(store.exportRecords('other'))).toEqual([]);
  });
});

describe('SqliteVerdictStore entries', () => {
  it('counts an entry put twice once, and keeps the later version', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    await store.putEntries('d1', [
      messageEntry('a.eml', { verdict: 'failed', reasons: ['body-hash-mismatch'], signedBy: ['Old.example'] }),
      skippedEntry('logo.png'),
    ]);
    await store.putEntries('d1', [
      messageEntry('a.eml', { verdict: 'verified', signedBy: ['new.example'] }),
      skippedEntry('logo.png'),
    ]);
    const summary = await store.summary('d1');
    expect(summary?.messages).toBe(1);
    expect(summary?.byVerdict).toEqual({ verified: 1 });
    expect(summary?.byReason).toEqual({});
    expect(summary?.signingDomains).toEqual([{ domain: 'new.example', messages: 1 }]);
    expect(summary?.skipped).toBe(1);
  });

  it('replaces a message by an error entry at the same locator, dropping its signing domains', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    await store.putEntries('d1', [messageEntry('a.eml', { signedBy: ['example.com'] })]);
    await store.putEntries('d1', [errorEntry('a.eml', 'unreadable')]);
    const summary = await store.summary('d1');
    expect(summary).toMatchObject({ messages: 0, byVerdict: {}, signingDomains: [], errors: 1 });
  });

  it('writes a batch whole or not at all', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    const bad = { ...messageEntry('b.eml'), verdict: undefined } as unknown as EntryRecord;
    await expect(store.putEntries('d1', [messageEntry('a.eml'), bad])).rejects.toThrow();
    expect(await store.storedLocators('d1')).toEqual(new Set());
  });

  it('refuses entries for a dump that was never opened', async () => {
    await expect(openStore().putEntries('nope', [messageEntry('a.eml')])).rejects.toThrow(/no dump nope/);
  });

  it('tells which locators are stored, across connections, so an interrupted ingest can resume', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    await store.openDump(dumpInput('d2'), T0);
    const entries = [
      messageEntry('inbox.mbox', { offset: 0 }),
      messageEntry('inbox.mbox', { offset: 5120 }),
      skippedEntry('logo.png'),
      errorEntry('broken.eml'),
    ];
    await store.putEntries('d1', entries);
    await store.putEntries('d2', [messageEntry('other.eml')]);
    await store.setStatus('d1', 'interrupted', T1);

    const resumed = openStore();
    expect((await resumed.openDump(dumpInput('d1'), T2)).status).toBe('processing');
    expect(await resumed.storedLocators('d1')).toEqual(new Set(entries.map((entry) => locatorKey(entry.locator))));
    expect(await resumed.storedLocators('d1')).toEqual(
      new Set(['inbox.mbox#0', 'inbox.mbox#5120', 'logo.png', 'broken.eml']),
    );
    expect(await resumed.storedLocators('nope')).toEqual(new Set());
  });
});

describe('SqliteVerdictStore summary', () => {
  it('counts messages by verdict and by reason, skipped entries and errors', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    await store.putEntries('d1', [
      messageEntry('1.eml', { verdict: 'verified' }),
      messageEntry('2.eml', { verdict: 'verified' }),
      messageEntry('3.eml', { verdict: 'partially-verified', reasons: ['body-length-limit', 'weak-key'] }),
      messageEntry('4.eml', { verdict: 'partially-verified', reasons: ['weak-key'] }),
      messageEntry('5.eml', { verdict: 'failed', reasons: ['body-hash-mismatch'] }),
      messageEntry('6.eml', { verdict: 'unverified', reasons: ['no-signature'] }),
      messageEntry('7.eml', { verdict: 'error', reasons: ['parse-error'] }),
      // A repeated reason still counts the message once for it.
      messageEntry('8.eml', { verdict: 'unverified', reasons: ['dns-error', 'dns-error'] }),
      skippedEntry('a.png'),
      skippedEntry('b.pdf'),
      skippedEntry('c.txt'),
      errorEntry('x.eml'),
    ]);
    const summary = await store.summary('d1');
    expect(summary).toMatchObject({
      messages: 8,
      byVerdict: { verified: 2, 'partially-verified': 2, failed: 1, unverified: 2, error: 1 },
      byReason: {
        'body-length-limit': 1,
        'weak-key': 2,
        'body-hash-mismatch': 1,
        'no-signature': 1,
        'parse-error': 1,
        'dns-error': 1,
      },
      skipped: 3,
      // One unreadable entry, one message that could not be parsed.
      errors: 2,
    });
  });

  it('ranks signing domains by messages, each d= once per message and lower-cased, top 10', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    const entries: EntryRecord[] = [
      // Two signatures by one domain (and one in other case) count that message once.
      messageEntry('m0.eml', { signedBy: ['Big.example', 'big.example', 'relay.example'] }),
      messageEntry('m1.eml', { signedBy: ['big.example', null, ''] }),
      messageEntry('m2.eml', { signedBy: ['big.example'] }),
      messageEntry('m3.eml', { signedBy: ['relay.example'] }),
      messageEntry('unsigned.eml', { verdict: 'unverified', reasons: ['no-signature'] }),
    ];
    // Eleven domains signing one message each: only the alphabetically first few fit beside the two above.
    for (let i = 10; i < 21; i++) entries.push(messageEntry(`x${i}.eml`, { signedBy: [`d${i}.example`] }));
    await store.putEntries('d1', entries);
    const domains = (await store.summary('d1'))?.signingDomains;
    expect(domains).toEqual([
      { domain: 'big.example', messages: 3 },
      { domain: 'relay.example', messages: 2 },
      ...[10, 11, 12, 13, 14, 15, 16, 17].map((i) => ({ domain: `d${i}.example`, messages: 1 })),
    ]);
  });

  it('matches counts computed directly from the entries put', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    const reasonPool: Reason[] = ['weak-key', 'sha1', 'no-signature', 'dns-error', 'signature-mismatch'];
    const entries: EntryRecord[] = [];
    for (let i = 0; i < 500; i++) {
      if (i % 37 === 0) entries.push(skippedEntry(`s${i}.bin`));
      else if (i % 41 === 0) entries.push(errorEntry(`e${i}.eml`));
      else {
        const reasons = reasonPool.filter((_, r) => (i >> r) % 3 === 0);
        const domains = [`d${i % 13}.example`, `D${(i * 7) % 13}.EXAMPLE`];
        entries.push(messageEntry(`m${i}.eml`, { verdict: VERDICTS[i % VERDICTS.length], reasons, signedBy: domains }));
      }
    }
    // Put in uneven batches, some entries twice.
    for (let start = 0; start < entries.length; start += 97) await store.putEntries('d1', entries.slice(start, start + 97));
    await store.putEntries('d1', entries.slice(100, 250));

    const expected = { messages: 0, skipped: 0, errors: 0, byVerdict: {} as Record<string, number>, byReason: {} as Record<string, number> };
    const domainCounts = new Map<string, number>();
    for (const entry of entries) {
      if (entry.kind === 'skipped') expected.skipped++;
      if (entry.kind === 'error') expected.errors++;
      if (entry.kind !== 'message') continue;
      expected.messages++;
      if (entry.verdict === 'error') expected.errors++;
      expected.byVerdict[entry.verdict] = (expected.byVerdict[entry.verdict] ?? 0) + 1;
      for (const reason of new Set(entry.reasons)) expected.byReason[reason] = (expected.byReason[reason] ?? 0) + 1;
      for (const domain of new Set(entry.signatures.map((s) => s.d?.toLowerCase()))) {
        if (domain) domainCounts.set(domain, (domainCounts.get(domain) ?? 0) + 1);
      }
    }
    const expectedDomains = [...domainCounts]
      .map(([domain, messages]) => ({ domain, messages }))
      .sort((a, b) => b.messages - a.messages || (a.domain < b.domain ? -1 : 1))
      .slice(0, 10);

    const summary = await store.summary('d1');
    expect(summary).toMatchObject(expected);
    expect(summary?.signingDomains).toEqual(expectedDomains);
  });
});

describe('SqliteVerdictStore export', () => {
  it('exports messages and error entries in locator order, leaving skipped entries out', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    const signed = messageEntry('b/2.eml', {
      verdict: 'partially-verified',
      reasons: ['body-length-limit'],
      signedBy: ['example.com'],
      detail: 'l= leaves 12 bytes unsigned',
    });
    signed.signatures[0] = signature('example.com', { l: 30, reasons: ['body-length-limit'] });
    await store.putEntries('d1', [
      signed,
      skippedEntry('a/logo.png'),
      errorEntry('a/broken.eml', 'zip entry truncated: expected 5120 bytes, got 812', sha256Of('broken')),
      messageEntry('a/1.eml', { subject: null }),
    ]);
    const records = await collect(store.exportRecords('d1'));
    expect(records.map((record) => record.locator)).toEqual(['a/1.eml', 'a/broken.eml', 'b/2.eml']);
    expect(records[0]).toMatchObject({ verdict: 'verified', reasons: [], subject: null, signatures: [] });
    expect(records[1]).toEqual({
      dump: 'd1',
      locator: 'a/broken.eml',
      sha256: sha256Of('broken'),
      messageId: null,
      from: null,
      date: null,
      subject: null,
      verdict: 'error',
      reasons: ['parse-error'],
      detail: 'zip entry truncated: expected 5120 bytes, got 812',
      verifiedAt: null,
      signatures: [],
      rulesVersion: null,
      history: [],
      arc: null,
      forensics: null,
      to: null,
      cc: null,
      unsignedShown: null,
    });
    expect(records[2]).toEqual({
      dump: 'd1',
      locator: 'b/2.eml',
      sha256: signed.sha256,
      messageId: signed.messageId,
      from: signed.from,
      date: signed.date,
      subject: signed.subject,
      verdict: 'partially-verified',
      reasons: ['body-length-limit'],
      detail: 'l= leaves 12 bytes unsigned',
      verifiedAt: VERIFIED_AT,
      signatures: signed.signatures,
      rulesVersion: signed.rulesVersion,
      history: [],
      arc: null,
      forensics: null,
      to: signed.to,
      cc: signed.cc,
      unsignedShown: [],
    });
  });

  it('streams: an export left early can be followed by another, and two can run side by side', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    await store.putEntries('d1', [messageEntry('1.eml'), messageEntry('2.eml'), messageEntry('3.eml')]);
    for await (const record of store.exportRecords('d1')) {
      expect(record.locator).toBe('1.eml');
      break;
    }
    const left = store.exportRecords('d1')[Symbol.asyncIterator]();
    const right = store.exportRecords('d1')[Symbol.asyncIterator]();
    expect((await left.next()).value?.locator).toBe('1.eml');
    expect((await right.next()).value?.locator).toBe('1.eml');
    expect((await left.next()).value?.locator).toBe('2.eml');
    expect((await right.next()).value?.locator).toBe('2.eml');
    await left.return?.(undefined);
    await right.return?.(undefined);
  });

  it('exports from one connection while another writes the same file (WAL)', async () => {
    const writer = openStore();
    const reader = openStore();
    await writer.openDump(dumpInput('d1'), T0);
    await writer.putEntries('d1', [messageEntry('1.eml'), messageEntry('2.eml')]);
    const exported: string[] = [];
    for await (const record of reader.exportRecords('d1')) {
      exported.push(record.locator);
      // Written while the reader is mid-export: its snapshot does not change under it.
      await writer.putEntries('d1', [messageEntry(`late-${exported.length}.eml`)]);
    }
    expect(exported).toEqual(['1.eml', '2.eml']);
    expect((await reader.summary('d1'))?.messages).toBe(4);
  });
});

describe('SqliteVerdictStore batches', () => {
  it('stores 10,000 entries in batches and counts each once', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    const entries = Array.from({ length: 10_000 }, (_, i) =>
      messageEntry(`inbox.mbox`, { offset: i * 4096, signedBy: [`d${i % 50}.example`, 'relay.example'] }),
    );
    for (let start = 0; start < entries.length; start += 500) await store.putEntries('d1', entries.slice(start, start + 500));
    const summary = await store.summary('d1');
    expect(summary?.messages).toBe(10_000);
    expect(summary?.signingDomains.find((d) => d.domain === 'relay.example')?.messages).toBe(10_000);
  });
});

describe('SqliteVerdictStore listings', () => {
  it('merges messages whose verdict is error with the unreadable entries, in locator order', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    await store.putEntries('d1', [
      errorEntry('c.eml'),
      messageEntry('b.eml', { verdict: 'error', reasons: ['parse-error'] }),
      errorEntry('a.eml'),
      messageEntry('d.eml'),
    ]);
    for (const query of [{ verdict: 'error' as const }, { reason: 'parse-error' as const }]) {
      const first = await store.listMessages('d1', { ...query, limit: 2 });
      const rest = await store.listMessages('d1', { ...query, limit: 2, cursor: first!.cursor! });
      expect([...first!.messages, ...rest!.messages].map((line) => [line.locator, line.verdict])).toEqual([
        ['a.eml', 'error'],
        ['b.eml', 'error'],
        ['c.eml', 'error'],
      ]);
      expect(rest?.cursor).toBeNull();
    }
  });

  it('rejects a cursor altered in any way, and one for another page shape is just a position', async () => {
    const store = openStore();
    await store.openDump(dumpInput('d1'), T0);
    await store.putEntries('d1', [messageEntry('a.eml'), messageEntry('b.eml'), messageEntry('c.eml')]);
    const cursor = (await store.listMessages('d1', { limit: 1 }))!.cursor!;
    expect(cursor).toBe(cursorAfter('a.eml'));
    const encoded = [{ after: 'a.eml', x: 1 }, { after: 1 }].map((json) => Buffer.from(JSON.stringify(json)).toString('base64url'));
    for (const altered of [`${cursor}A`, `${cursor}=`, cursor.slice(0, -1), ...encoded, '']) {
      await expect(store.listMessages('d1', { limit: 1, cursor: altered }), altered).rejects.toBeInstanceOf(BadCursorError);
    }
    // A cursor names a locator: it carries on after it under any filter.
    const filtered = await store.listMessages('d1', { verdict: 'verified', limit: 5, cursor });
    expect(filtered?.messages.map((line) => line.locator)).toEqual(['b.eml', 'c.eml']);
  });

  it('refuses to replace messages of a dump that was never opened', async () => {
    await expect(openStore().replaceMessages('nope', [messageEntry('a.eml')], 'b1')).rejects.toThrow(/no dump nope/);
  });
});

describe('SqliteVerdictStore query plans', () => {
  // Aliases the store's SQL gives the tables that grow with the dumps.
  const FULL_SCAN = /^SCAN (e|d|s|entries|entry_signing_domains|entry_signatures)( |$)/;

  /** The steps of a statement's plan, bound by name (an object) or by position (an array). */
  function plan(db: DatabaseSync, sql: string, params: Record<string, SQLInputValue> | SQLInputValue[]): string[] {
    const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
    const rows = Array.isArray(params) ? statement.all(...params) : statement.all(params);
    return rows.map((row) => row.detail as string);
  }

  function* combinations(): Generator<Omit<MessageQuery, 'limit'>> {
    for (const verdict of [undefined, 'partially-verified', 'error'] as (Verdict | undefined)[])
      for (const reason of [undefined, 'weak-key', 'parse-error'] as (Reason | undefined)[])
        for (const domain of [undefined, 'example.com'])
          for (const from of [undefined, 'alice@example.com', 'example.com'])
            for (const after of [undefined, '2023-01-01T00:00:00.000Z'])
              for (const before of [undefined, '2024-01-01T00:00:00.000Z'])
                for (const cursor of [undefined, 'a.eml']) yield { verdict, reason, domain, from, after, before, cursor };
  }

  /** A test's cursor (a locator) as where its page starts; a sorted one resumes after the key 'k'. */
  function positionOf(query: Omit<MessageQuery, 'limit'>): PagePosition {
    if (query.cursor === undefined) return null;
    return query.sort === undefined ? { after: query.cursor } : { after: query.cursor, key: query.sort.by === 'verdict' ? 2 : 'k' };
  }

  it('serves every search and sort, with any filters and a cursor, from indexes, never a scan of the entries', () => {
    const db = temp.open();
    let planned = 0;
    for (const combination of combinations()) {
      for (const q of [undefined, 'virement réunion'])
        for (const sort of [undefined, ...MESSAGE_SORT_FIELDS.map((by) => ({ by, descending: by === 'date' }))]) {
          if (q === undefined && sort === undefined) continue;
          const query = Object.fromEntries(Object.entries({ ...combination, q, sort }).filter(([, value]) => value !== undefined)) as Omit<MessageQuery, 'limit'>;
          const page = pageQuery('d1', { ...query, limit: 10 }, positionOf(query), 11);
          if (page === null) continue;
          planned++;
          const steps = plan(db, page.sql, page.params);
          expect(steps.filter((step) => FULL_SCAN.test(step)), JSON.stringify(query)).toEqual([]);
        }
    }
    expect(planned).toBeGreaterThan(1000);
  });

  it('lists a whole dump sorted off the sort\'s index, a page at a time (no sort of the dump)', () => {
    const db = temp.open();
    for (const by of MESSAGE_SORT_FIELDS) {
      for (const cursor of [undefined, 'a.eml']) {
        const query: Omit<MessageQuery, 'limit'> = { sort: { by, descending: true }, ...(cursor === undefined ? {} : { cursor }) };
        const page = pageQuery('d1', { ...query, limit: 10 }, positionOf(query), 11)!;
        const steps = plan(db, page.sql, page.params);
        expect(steps, by).toContainEqual(expect.stringMatching(new RegExp(`^SEARCH e USING INDEX entries_sorted_by_${by} \\(dump_id=\\?`)));
        expect(steps.filter((step) => step.includes('TEMP B-TREE') && !step.includes('UNION')), by).toEqual([]);
      }
    }
    const search = pageQuery('d1', { q: 'virem', limit: 10 }, null, 11)!;
    expect(plan(db, search.sql, search.params)).toContainEqual(expect.stringMatching(/^SCAN entry_search VIRTUAL TABLE INDEX/));
  });

  it('serves every listing, with any filters and a cursor, from an index, never a scan of the entries', () => {
    const db = temp.open();
    let planned = 0;
    for (const combination of combinations()) {
      const query = Object.fromEntries(Object.entries(combination).filter(([, value]) => value !== undefined)) as Omit<MessageQuery, 'limit'>;
      const page = pageQuery('d1', { ...query, limit: 10 }, positionOf(query), 11);
      if (page === null) continue;
      planned++;
      const steps = plan(db, page.sql, page.params);
      expect(steps.filter((step) => FULL_SCAN.test(step)), JSON.stringify(query)).toEqual([]);
      expect(steps.some((step) => step.startsWith('SEARCH')), JSON.stringify(query)).toBe(true);
    }
    expect(planned).toBeGreaterThan(200);
  });

  it('lists by the index of the most selective filter given', () => {
    const db = temp.open();
    const cases: [Omit<MessageQuery, 'limit'>, RegExp][] = [
      [{}, /^SEARCH e USING INDEX sqlite_autoindex_entries_1 \(dump_id=\?\)/],
      [{ verdict: 'failed' }, /^SEARCH e USING COVERING INDEX entries_by_verdict \(dump_id=\? AND verdict=\?\)/],
      [{ verdict: 'error' }, /^SEARCH e USING COVERING INDEX entries_errors \(dump_id=\?\)/],
      [{ reason: 'weak-key' }, /^SEARCH e USING COVERING INDEX entries_by_verdict \(dump_id=\? AND verdict=\?\)/],
      [{ domain: 'example.com', verdict: 'failed' }, /^SEARCH d USING COVERING INDEX signing_domains_by_domain \(dump_id=\? AND domain=\?\)/],
      [{ from: 'a@example.com', after: '2023' }, /^SEARCH e USING INDEX entries_by_sender \(dump_id=\? AND sender=\?\)/],
      [{ from: 'example.com' }, /^SEARCH e USING COVERING INDEX entries_by_sender_domain \(dump_id=\? AND sender_domain=\?\)/],
      [{ after: '2023', before: '2024' }, /^SEARCH e USING COVERING INDEX entries_by_date \(dump_id=\? AND date_header>\? AND date_header<\?\)/],
      [{ verdict: 'failed', cursor: 'a.eml' }, /^SEARCH e USING COVERING INDEX entries_by_verdict \(dump_id=\? AND verdict=\? AND locator_key>\?\)/],
    ];
    for (const [query, index] of cases) {
      const page = pageQuery('d1', { ...query, limit: 10 }, positionOf(query), 11)!;
      expect(plan(db, page.sql, page.params), JSON.stringify(query)).toContainEqual(expect.stringMatching(index));
    }
  });

  it('counts a summary and selects for re-verification off indexes', () => {
    const db = temp.open();
    const statements: [string, string, SQLInputValue[]][] = [
      ...Object.entries(DUMP_COUNT_SQL).map(([name, sql]): [string, string, SQLInputValue[]] => [name, sql, ['d1']]),
      ['nextSelector', REVERIFY_SQL.nextSelector, ['', '']],
      ['selectorUses', REVERIFY_SQL.selectorUses, ['example.com', 'sel1', '', '', -1]],
      ['dumpsBeforeRules', REVERIFY_SQL.dumpsBeforeRules, [2]],
      ['messagesBeforeRules', REVERIFY_SQL.messagesBeforeRules, ['d1', 2, -1, '']],
    ];
    for (const [name, sql, params] of statements) {
      const steps = plan(db, sql, params);
      expect(steps.filter((step) => FULL_SCAN.test(step)), name).toEqual([]);
      expect(steps.some((step) => step.startsWith('SEARCH')), name).toBe(true);
    }
    expect(plan(db, REVERIFY_SQL.selectorUses, ['example.com', 'sel1', '', '', -1])).toContainEqual(
      expect.stringMatching(/^SEARCH s USING INDEX signatures_by_selector \(domain=\? AND selector=\?/),
    );
  });

  it('lists documents off their own indexes, with any filters and a cursor', () => {
    const db = temp.open();
    for (const provenance of [undefined, 'proven'] as const)
      for (const type of [undefined, 'application/pdf', 'unknown'])
        for (const name of [undefined, 'Report.pdf'])
          for (const cursor of [null, 'a.pdf']) {
            const query = { limit: 10, ...(provenance ? { provenance } : {}), ...(type ? { type } : {}), ...(name ? { name } : {}) };
            const { sql, params } = documentPageQuery('d1', query, cursor, 11);
            const steps = plan(db, sql, params);
            expect(steps.filter((step) => FULL_SCAN.test(step)), JSON.stringify(query)).toEqual([]);
            expect(steps, JSON.stringify(query)).toContainEqual(expect.stringMatching(/^SEARCH e USING INDEX entries_documents/));
            // Index order is locator order: no sort.
            expect(steps.some((step) => step.includes('TEMP B-TREE')), JSON.stringify(query)).toBe(false);
          }
  });

  it('finds files, copies and authors across the store by index', () => {
    const db = temp.open();
    const lookups: [string, RegExp][] = [
      ['placesBySha256', /^SEARCH f USING INDEX file_places_by_sha256/],
      ['placesByName', /^SEARCH f USING INDEX file_places_by_name/],
      ['placesByDocumentId', /^SEARCH f USING INDEX file_places_by_document_id/],
      ['messagesWithIdentity', /^SEARCH entries USING COVERING INDEX entries_by_identity/],
      ['verifiedAuthors', /^SEARCH a USING PRIMARY KEY \(organisation=\?\)/],
    ];
    for (const [name, index] of lookups) {
      const steps = plan(db, FILE_POSTING_SQL[name as keyof typeof FILE_POSTING_SQL], ['x']);
      expect(steps.filter((step) => FULL_SCAN.test(step) || /^SCAN (f|a)( |$)/.test(step)), name).toEqual([]);
      expect(steps, name).toContainEqual(expect.stringMatching(index));
    }
  });
});
