import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteVerdictStore } from '../../../shared/adapters/local/sqlite-verdict-store.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import type { DumpEntry, MessageEntry } from '../../../shared/dump/entry.ts';
import { readDump } from '../../../shared/dump/open-dump.ts';
import { describeEntry } from '../../../shared/pipeline/describe-entry.ts';
import { ingest, MAX_DESCRIBING_BYTES, MAX_RECORDS_BEFORE_OPEN, type IngestOptions } from '../../../shared/pipeline/ingest.ts';
import { verifyEntry, type VerifiedEntry } from '../../../shared/pipeline/verify-entry.ts';
import type { DocumentRecord } from '../../../shared/ports/verdict-store.ts';
import type { WorkQueue } from '../../../shared/ports/work-queue.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildOfficeDocument, buildPdf } from '../../../tools/generator/documents/index.ts';
import { buildZip, writeFiles } from '../../helpers/dump-files.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { useTempHome } from '../../helpers/temp-home.ts';
import { collect } from '../../helpers/verdict-store-contract.ts';

const key = rsaKey(1024);
const verifier = createVerifier(staticResolver({ 'sel._domainkey.campaign.example': key.record }));
const AT = new Date('2026-11-21T00:00:00Z');
const temp = useTempHome('leakproof-ingest-');

/** The work queue in-process: each message verified as it is submitted (the WorkerPool does it on threads). */
function inlineQueue(onResult: (record: VerifiedEntry) => void): WorkQueue<MessageEntry> & { submitted: string[] } {
  const submitted: string[] = [];
  return {
    submitted,
    async submit(entry) {
      submitted.push(entry.locator.path);
      onResult(await verifyEntry(entry, verifier, AT));
    },
    async drain() {},
    async close() {},
  };
}

function message(path: string): DumpEntry {
  const bytes = signMessage(buildMessage({ messageId: `<${path}@campaign.example>` }), { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey });
  return { kind: 'message', locator: { path }, bytes };
}

async function* entries(list: DumpEntry[], failAfter?: number): AsyncGenerator<DumpEntry> {
  for (const [i, entry] of list.entries()) {
    if (i === failAfter) throw new Error('zip damaged');
    yield entry;
  }
}

const DUMP = { id: 'd1', name: 'leak.zip', source: '/tmp/leak.zip', bytes: 1 };
const LIST: DumpEntry[] = [
  message('a.eml'),
  { kind: 'skipped', locator: { path: 'scan.png' }, reason: 'not a message (png)' },
  message('b.eml'),
  { kind: 'error', locator: { path: 'c.eml' }, reason: 'zip entry data damaged: CRC-32 mismatch' },
  message('d.eml'),
];

function run(store: SqliteVerdictStore, list: AsyncIterable<DumpEntry>, extra: Partial<IngestOptions> = {}) {
  let queue!: ReturnType<typeof inlineQueue>;
  const result = ingest({
    dump: Promise.resolve(DUMP),
    entries: list,
    store,
    startQueue: (onResult) => (queue = inlineQueue(onResult)),
    now: () => AT,
    ...extra,
  });
  return result.then((outcome) => ({ ...outcome, submitted: queue.submitted }));
}

describe('ingest', () => {
  it('counts every entry once, as a verdict, a skip or an error, with display headers decoded', async () => {
    const store = new SqliteVerdictStore(temp.open());
    const { progress, dump } = await run(store, entries(LIST));
    expect(progress).toMatchObject({ located: 5, messages: 3, skipped: 1, errors: 1, alreadyStored: 0 });
    const summary = (await store.summary(dump.id))!;
    expect([summary.dump.status, summary.messages, summary.byVerdict, summary.skipped, summary.errors]).toEqual(['complete', 3, { verified: 3 }, 1, 1]);
    const exported = [];
    for await (const record of store.exportRecords(dump.id)) exported.push(record);
    expect(exported.map((record) => [record.locator, record.verdict, record.messageId])).toEqual([
      ['a.eml', 'verified', '<a.eml@campaign.example>'],
      ['b.eml', 'verified', '<b.eml@campaign.example>'],
      ['c.eml', 'error', null],
      ['d.eml', 'verified', '<d.eml@campaign.example>'],
    ]);
  });

  it('marks a dump whose reading fails midway interrupted, keeps what was done, and resumes without redoing it', async () => {
    const store = new SqliteVerdictStore(temp.open());
    await expect(run(store, entries(LIST, 3))).rejects.toThrow('zip damaged');
    expect((await store.summary('d1'))!.dump.status).toBe('interrupted');
    const resumed = await run(store, entries(LIST));
    expect(resumed.submitted).toEqual(['d.eml']);
    expect(resumed.progress).toMatchObject({ alreadyStored: 3, messages: 1, errors: 1 });
    expect((await store.summary('d1'))!).toMatchObject({ messages: 3, skipped: 1, errors: 1, dump: { status: 'complete' } });
  });

  it('stops when asked (Ctrl-C) and says so', async () => {
    const store = new SqliteVerdictStore(temp.open());
    const controller = new AbortController();
    controller.abort();
    const outcome = await run(store, entries(LIST), { signal: controller.signal });
    expect([outcome.interrupted, outcome.submitted, (await store.summary('d1'))!.dump.status]).toEqual([true, [], 'interrupted']);
  });

  it('describes each verified record as it arrives: none pile up waiting for the reader', async () => {
    const store = new SqliteVerdictStore(temp.open());
    const verified = await verifyEntry(message('template.eml') as MessageEntry, verifier, AT);
    const list = Array.from({ length: 2000 }, (_, i): DumpEntry => ({ kind: 'message', locator: { path: `m${i}.eml` }, bytes: Buffer.alloc(0) }));
    let stored = 0;
    let mostWaiting = 0;
    // Workers that verify instantly: every submitted message's record is at once handed to the reading thread.
    const instantQueue = (onResult: (record: VerifiedEntry) => void): WorkQueue<MessageEntry> => {
      let submitted = 0;
      return {
        async submit(entry) {
          submitted++;
          onResult({ ...verified, locator: entry.locator });
          mostWaiting = Math.max(mostWaiting, submitted - stored);
        },
        async drain() {},
        async close() {},
      };
    };
    const { progress } = await ingest({
      dump: Promise.resolve(DUMP),
      entries: entries(list),
      store,
      startQueue: instantQueue,
      now: () => AT,
      onProgress: (p) => (stored = p.messages),
    });
    expect(progress.messages).toBe(2000);
    // Described a microtask later (a record's files may need reading), never more.
    expect(mostWaiting).toBeLessThanOrEqual(1);
  });

  it(`waits while more than ${MAX_DESCRIBING_BYTES / 1024 / 1024} MiB of files wait to be described, then carries on`, async () => {
    const store = new SqliteVerdictStore(temp.open());
    const verified = await verifyEntry(message('template.eml') as MessageEntry, verifier, AT);
    const FILE = 20 * 1024 * 1024;
    const list = Array.from({ length: 10 }, (_, i): DumpEntry => ({ kind: 'message', locator: { path: `m${i}.eml` }, bytes: Buffer.alloc(0) }));
    let submitted = 0;
    // Workers that hand back each message at once with a 20 MiB file whose metadata is still to be read.
    const queue = (onResult: (record: VerifiedEntry) => void): WorkQueue<MessageEntry> => ({
      async submit(entry) {
        submitted++;
        onResult({ ...verified, locator: entry.locator, toDescribe: [{ attachment: 0, bytes: Buffer.alloc(FILE) }] } as VerifiedEntry);
      },
      async drain() {},
      async close() {},
    });
    // Describing is held until the test lets it go.
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    const running = ingest({
      dump: Promise.resolve(DUMP),
      entries: entries(list),
      store,
      startQueue: queue,
      now: () => AT,
      describe: async (record) => {
        await held;
        return describeEntry({ ...record, toDescribe: [] } as VerifiedEntry);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // 20, 40, 60 MiB wait: the fourth is submitted (60 ≤ 64), then 80 MiB wait and the reader stops.
    expect(submitted).toBe(Math.floor(MAX_DESCRIBING_BYTES / FILE) + 1);
    letGo();
    expect((await running).progress).toMatchObject({ located: 10, messages: 10 });
    expect(submitted).toBe(10);
  });

  it('stores every file of content as one document beside the messages, and the counts add up', async () => {
    const store = new SqliteVerdictStore(temp.open());
    const sheet = await buildOfficeDocument({ kind: 'xlsx', rows: [['Compte', 'Montant'], ['Dons', 1200]] }, { creator: 'Alice Martin' });
    const pdf = buildPdf(['Contrat de prestation'], { author: 'Bob Durand' });
    const signed = (message('x') as MessageEntry).bytes;
    const nested = await buildZip([
      { name: 'inner/a.eml', data: signed },
      { name: 'inner/Comptes.xlsx', data: sheet },
      { name: '__MACOSX/inner/._Comptes.xlsx', data: 'resource fork' },
    ]);
    const dir = join(temp.dir, 'dump');
    await writeFiles(dir, {
      'mail/b.eml': signed,
      'docs/Comptes 2017.xlsx': sheet,
      'docs/contrat.pdf': pdf,
      'docs/.DS_Store': Buffer.from([0, 0, 0, 1, 66, 117, 100, 49]),
      'docs/empty.txt': '',
      'archive.zip': nested,
    });
    const { progress, dump } = await run(store, readDump(dir));
    expect(progress).toMatchObject({ located: 8, messages: 2, documents: 3, skipped: 3, errors: 0 });
    expect(progress.messages + progress.documents + progress.skipped + progress.errors).toBe(progress.located);
    const summary = (await store.summary(dump.id))!;
    expect(summary).toMatchObject({ messages: 2, documents: 3, skipped: 3, errors: 0, byProvenance: {}, dump: { processed: 8, located: 8 } });

    // An .xlsx is one document, not a zip of skipped XML parts; in a zip as on its own.
    const xlsx = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    // (Its metadata is the metadata readers' to check: here only that the whole file was handed to them.)
    const { metadata: _metadata, ...described } = (await store.getEntry(dump.id, 'docs/Comptes 2017.xlsx')) as DocumentRecord;
    expect(described).toEqual({
      kind: 'document',
      locator: { path: 'docs/Comptes 2017.xlsx' },
      name: 'Comptes 2017.xlsx',
      declaredType: null,
      detectedType: xlsx,
      size: sheet.length,
      sha256: sha256(sheet),
      detail: null,
      provenance: null,
    });
    const listed = await store.listDocuments(dump.id, { limit: 10 });
    expect(listed?.documents.map((line) => [line.locator, line.name, line.detectedType, line.sha256])).toEqual([
      ['archive.zip!/inner/Comptes.xlsx', 'Comptes.xlsx', xlsx, sha256(sheet)],
      ['docs/Comptes 2017.xlsx', 'Comptes 2017.xlsx', xlsx, sha256(sheet)],
      ['docs/contrat.pdf', 'contrat.pdf', 'application/pdf', sha256(pdf)],
    ]);
    // The same bytes in two places of the dump, found by their hash.
    expect((await collect(store.filePlaces({ sha256: sha256(sheet) }))).map((place) => place.locator).sort()).toEqual(['archive.zip!/inner/Comptes.xlsx', 'docs/Comptes 2017.xlsx']);
    expect(await store.getEntry(dump.id, 'docs/.DS_Store')).toEqual({ kind: 'skipped', locator: { path: 'docs/.DS_Store' }, reason: 'macOS metadata (.DS_Store)' });
    expect(await store.getEntry(dump.id, 'docs/empty.txt')).toEqual({ kind: 'skipped', locator: { path: 'docs/empty.txt' }, reason: 'empty file' });
  });
});

/** A dump identity that resolves (or fails) when the test says: the SHA-256 pass over a large dump. */
function slowIdentity() {
  let settle!: { resolve: (value: typeof DUMP) => void; reject: (error: Error) => void };
  const dump = new Promise<typeof DUMP>((resolve, reject) => (settle = { resolve, reject }));
  return { dump, ...settle };
}

describe('ingest while the dump identity is computed', () => {
  it('reads and verifies ahead of the identity, and stores it all once the identity is known', async () => {
    const store = new SqliteVerdictStore(temp.open());
    const identity = slowIdentity();
    let verified = 0;
    const running = run(store, entries(LIST), { dump: identity.dump, onProgress: (p) => (verified = p.messages) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(verified).toBe(3);
    expect(await store.summary('d1')).toBeNull();
    identity.resolve(DUMP);
    const { progress, submitted } = await running;
    expect(submitted).toEqual(['a.eml', 'b.eml', 'd.eml']);
    expect(progress).toMatchObject({ located: 5, messages: 3, skipped: 1, errors: 1, alreadyStored: 0 });
    expect((await store.summary('d1'))!).toMatchObject({ messages: 3, skipped: 1, errors: 1, dump: { status: 'complete' } });
  });

  it('on a resumed run, drops what was verified ahead of the identity and stored before, and the counts add up', async () => {
    const store = new SqliteVerdictStore(temp.open());
    await expect(run(store, entries(LIST, 3))).rejects.toThrow('zip damaged');
    const identity = slowIdentity();
    const running = run(store, entries(LIST), { dump: identity.dump });
    await new Promise((resolve) => setTimeout(resolve, 20));
    identity.resolve(DUMP);
    const resumed = await running;
    // Verified again ahead of the identity (the reader could not know), but stored once and counted as stored.
    expect(resumed.submitted).toEqual(['a.eml', 'b.eml', 'd.eml']);
    expect(resumed.progress).toMatchObject({ located: 5, alreadyStored: 3, messages: 1, skipped: 0, errors: 1 });
    expect((await store.summary('d1'))!).toMatchObject({ messages: 3, skipped: 1, errors: 1, dump: { status: 'complete' } });
    const exported = [];
    for await (const record of store.exportRecords('d1')) exported.push(record.locator);
    expect(exported).toEqual(['a.eml', 'b.eml', 'c.eml', 'd.eml']);
  });

  it(`waits for the identity once ${MAX_RECORDS_BEFORE_OPEN} records are waiting for it`, async () => {
    const store = new SqliteVerdictStore(temp.open());
    const identity = slowIdentity();
    const list = Array.from({ length: MAX_RECORDS_BEFORE_OPEN + 500 }, (_, i): DumpEntry => ({ kind: 'skipped', locator: { path: `s${i}.png` }, reason: 'not a message (png)' }));
    let located = 0;
    const running = run(store, entries(list), { dump: identity.dump, onProgress: (p) => (located = p.located) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(located).toBe(MAX_RECORDS_BEFORE_OPEN);
    identity.resolve(DUMP);
    expect((await running).progress).toMatchObject({ located: list.length, skipped: list.length });
  });

  it('stops reading when the identity cannot be computed, stores nothing, and says why', async () => {
    const store = new SqliteVerdictStore(temp.open());
    const identity = slowIdentity();
    const read: string[] = [];
    async function* watched() {
      for await (const entry of entries(LIST)) {
        read.push(entry.locator.path);
        if (read.length === 2) identity.reject(new Error('cannot open dump leak.zip: EIO'));
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield entry;
      }
    }
    await expect(run(store, watched(), { dump: identity.dump })).rejects.toThrow('EIO');
    expect(read.length).toBeLessThan(LIST.length);
    expect(await store.summary('d1')).toBeNull();
  });
});
