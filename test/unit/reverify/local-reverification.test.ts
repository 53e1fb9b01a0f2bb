/**
 * Re-verification on one machine, through the real local pipeline: dumps ingested offline with a key missing
 * from the archive, then the key imported (or marked compromised) and a run re-reading the dump by locator.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalHome, type LocalHome } from '../../../shared/adapters/local/local-home.ts';
import { WorkerPool } from '../../../shared/adapters/local/worker-pool.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { fingerprintDump } from '../../../shared/dump/fingerprint.ts';
import { readDump } from '../../../shared/dump/open-dump.ts';
import { ingest } from '../../../shared/pipeline/ingest.ts';
import type { MessageRecord } from '../../../shared/ports/verdict-store.ts';
import { runLocalReverification } from '../../../shared/reverify/local-reverifier.ts';
import { selectAffected, selectionSize } from '../../../shared/reverify/select-affected.ts';
import { RULES_VERSION } from '../../../shared/verdict/contract.ts';
import { buildZip, makeTempDir, mboxRecord, removeDir } from '../../helpers/dump-files.ts';
import { rsaKey } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';

const INGESTED_AT = new Date('2026-11-01T00:00:00Z');
const late = rsaKey(1024); // campaign.example's key: rotated out of DNS, imported later
const known = rsaKey(1024); // press.example's key: in the archive from the start

function signed(n: number, by: 'campaign' | 'press'): Buffer {
  const message = buildMessage({ messageId: `<${by}-${n}@${by}.example>`, from: `Someone <someone@${by}.example>`, subject: `Message ${n}` });
  return signMessage(message, { domain: `${by}.example`, selector: 'sel', privateKey: (by === 'campaign' ? late : known).privateKey });
}

const KNOWN_KEY = { domain: 'press.example', selector: 'sel', value: known.record, firstSeenAt: '2016-01-01T00:00:00.000Z', lastSeenAt: null, source: 'test' };
const LATE_KEY = { domain: 'campaign.example', selector: 'sel', value: late.record, firstSeenAt: '2016-01-01T00:00:00.000Z', lastSeenAt: '2018-01-01T00:00:00.000Z', source: 'archive' };

let dir: string;
let local: LocalHome;
beforeEach(async () => {
  dir = await makeTempDir();
  local = openLocalHome(join(dir, 'home'));
  await local.archive.record(KNOWN_KEY);
});
afterEach(async () => {
  local.close();
  await removeDir(dir);
});

async function ingestPath(path: string): Promise<string> {
  const identity = await fingerprintDump(path);
  const { dump } = await ingest({
    dump: Promise.resolve({ id: identity.id, name: path.split('/').pop()!, source: path, bytes: identity.bytes }),
    entries: readDump(path),
    store: local.store,
    startQueue: (onResult) => new WorkerPool({ home: local.home, offline: true, at: INGESTED_AT.toISOString(), workers: 1, onResult }),
    now: () => INGESTED_AT,
  });
  return dump.id;
}

async function records(dumpId: string): Promise<Map<string, MessageRecord>> {
  const found = new Map<string, MessageRecord>();
  const page = await local.store.listMessages(dumpId, { limit: 500 });
  for (const listed of page!.messages) {
    const entry = await local.store.getEntry(dumpId, listed.locator);
    if (entry?.kind === 'message') found.set(listed.locator, entry);
  }
  return found;
}

const reverify = (scope = {}) => runLocalReverification(local, { offline: true, scope });

async function zipDump(): Promise<string> {
  const path = join(dir, 'leak.zip');
  const inner = await buildZip([{ name: 'deep/c3.eml', data: signed(3, 'campaign') }]);
  writeFileSync(
    path,
    await buildZip([
      { name: 'inbox/c1.eml', data: signed(1, 'campaign') },
      { name: 'inbox/c2.eml', data: signed(2, 'campaign'), compress: false },
      { name: 'inbox/p1.eml', data: signed(1, 'press') },
      { name: 'inbox/p2-altered.eml', data: tamper(signed(2, 'press'), 'The notes are attached.', 'The notes are NOT attached.') },
      { name: 'inbox/unsigned.eml', data: buildMessage({ messageId: '<u@x.example>' }) },
      { name: 'archive/old.zip', data: inner },
    ]),
  );
  return ingestPath(path);
}

describe('a key imported after the ingest', () => {
  it('turns exactly the messages waiting for it from unverified to verified, with history; a second run changes nothing', async () => {
    const dumpId = await zipDump();
    const before = await records(dumpId);
    const waiting = [...before].filter(([, r]) => r.reasons.includes('key-unavailable')).map(([locator]) => locator).sort();
    expect(waiting).toEqual(['archive/old.zip!/deep/c3.eml', 'inbox/c1.eml', 'inbox/c2.eml']);
    expect((await local.store.summary(dumpId))!.byVerdict).toEqual({ verified: 1, failed: 1, unverified: 4 });

    await local.archive.record(LATE_KEY);
    const selection = await selectAffected(local.store, local.archive);
    expect([...(selection.get(dumpId)?.keys() ?? [])].sort()).toEqual(waiting);
    expect(selection.get(dumpId)!.get('inbox/c1.eml')).toBe('new-key');

    const run = await reverify();
    expect(run).toMatchObject({ selected: 3, checked: 3, changed: 3, unreadable: 0 });
    expect(Object.fromEntries(run.transitions)).toEqual({ 'unverified → verified': 3 });

    const after = await records(dumpId);
    for (const locator of waiting) {
      const record = after.get(locator)!;
      expect(record.verdict).toBe('verified');
      expect(record.verifiedAt).toBe(INGESTED_AT.toISOString()); // the clock the message is vouched for stays
      expect(record.signatures[0]!.key).toMatchObject({ record: late.record, origin: 'archive', lastSeenAt: LATE_KEY.lastSeenAt });
      expect(record.history).toEqual([
        { verdict: 'unverified', reasons: ['key-unavailable'], rulesVersion: RULES_VERSION, verifiedAt: INGESTED_AT.toISOString(), replacedAt: expect.any(String), cause: 'new-key' },
      ]);
    }
    for (const locator of ['inbox/p1.eml', 'inbox/p2-altered.eml', 'inbox/unsigned.eml']) expect(after.get(locator)).toEqual(before.get(locator));
    const summary = (await local.store.summary(dumpId))!;
    expect(summary.byVerdict).toEqual({ verified: 4, failed: 1, unverified: 1 });
    expect(summary.byReason).toMatchObject({ 'no-signature': 1, 'body-hash-mismatch': 1 });
    expect(summary.byReason['key-unavailable']).toBeUndefined();

    expect(await reverify()).toMatchObject({ selected: 0, checked: 0, changed: 0 });
    expect(await records(dumpId)).toEqual(after);
  });

  it('re-reads messages of an mbox by byte range and of a folder by file', async () => {
    const mbox = join(dir, 'box.mbox');
    writeFileSync(mbox, Buffer.concat([mboxRecord(signed(1, 'campaign'), '\r\n'), mboxRecord(signed(1, 'press'), '\r\n'), mboxRecord(signed(2, 'campaign'), '\r\n')]));
    const folder = join(dir, 'maildir');
    mkdirSync(join(folder, 'cur'), { recursive: true });
    writeFileSync(join(folder, 'cur', 'a.eml'), signed(4, 'campaign'));
    writeFileSync(join(folder, 'cur', 'b.eml'), signed(5, 'press'));
    const mboxId = await ingestPath(mbox);
    const folderId = await ingestPath(folder);
    await local.archive.record(LATE_KEY);

    const run = await reverify();
    expect(run).toMatchObject({ selected: 3, checked: 3, changed: 3, unreadable: 0 });
    expect((await local.store.summary(mboxId))!.byVerdict).toEqual({ verified: 3 });
    expect((await local.store.summary(folderId))!.byVerdict).toEqual({ verified: 2 });
  });

  it('runs for one dump only when asked, and says how many messages a key import affects', async () => {
    const first = await zipDump();
    const mbox = join(dir, 'box.mbox');
    writeFileSync(mbox, mboxRecord(signed(9, 'campaign'), '\r\n'));
    const second = await ingestPath(mbox);
    await local.archive.record(LATE_KEY);
    expect(selectionSize(await selectAffected(local.store, local.archive, { selectors: [{ domain: 'campaign.example', selector: 'sel' }] }))).toBe(4);
    expect(selectionSize(await selectAffected(local.store, local.archive, { selectors: [{ domain: 'press.example', selector: 'sel' }] }))).toBe(0);

    expect(await reverify({ dumpId: second })).toMatchObject({ selected: 1, changed: 1 });
    expect((await local.store.summary(first))!.byVerdict.unverified).toBe(4);
  });

  it('leaves a message whose bytes in the dump changed as it was, and says so', async () => {
    const path = join(dir, 'leak.zip');
    writeFileSync(path, await buildZip([{ name: 'c1.eml', data: signed(1, 'campaign') }]));
    const dumpId = await ingestPath(path);
    writeFileSync(path, await buildZip([{ name: 'c1.eml', data: signed(7, 'campaign') }]));
    await local.archive.record(LATE_KEY);
    expect(await reverify()).toMatchObject({ selected: 1, changed: 0, unreadable: 1 });
    expect((await local.store.summary(dumpId))!.byVerdict).toEqual({ unverified: 1 });
  });
});

describe('a key known to be compromised', () => {
  it('turns verified into partially-verified/key-compromised on the next run, unless the message was had before', async () => {
    const dumpId = await zipDump();
    await local.archive.record({ ...KNOWN_KEY, compromisedAt: '2026-10-01T00:00:00.000Z' });
    const run = await reverify();
    // p1 (verified) and p2-altered (failed) used the key; only p1's verdict changes.
    expect(run).toMatchObject({ selected: 2, checked: 2, changed: 1 });
    const after = await records(dumpId);
    expect(after.get('inbox/p1.eml')).toMatchObject({ verdict: 'partially-verified', reasons: ['key-compromised'], history: [{ verdict: 'verified', cause: 'key-compromised' }] });
    expect(after.get('inbox/p1.eml')!.signatures[0]!.key!.compromisedAt).toBe('2026-10-01T00:00:00.000Z');
    expect(after.get('inbox/p2-altered.eml')).toMatchObject({ verdict: 'failed', history: [] });
    expect(await reverify()).toMatchObject({ selected: 0, changed: 0 });
  });

  it('keeps a verdict computed before the compromise: the message existed before the key was out', async () => {
    const dumpId = await zipDump();
    await local.archive.record({ ...KNOWN_KEY, compromisedAt: '2026-11-15T00:00:00.000Z' });
    // Both messages checked with the key are looked at again (their evidence now notes the compromise)...
    expect(await reverify()).toMatchObject({ selected: 2, checked: 2, changed: 0 });
    const p1 = (await records(dumpId)).get('inbox/p1.eml')!;
    expect(p1).toMatchObject({ verdict: 'verified', history: [] });
    expect(p1.signatures[0]!.key!.compromisedAt).toBe('2026-11-15T00:00:00.000Z');
    expect(await reverify()).toMatchObject({ selected: 0 });
  });
});

describe('newer rules', () => {
  it('re-verifies every message a dump holds from an older rules version, once', async () => {
    const dumpId = await zipDump();
    const stale = [...(await records(dumpId)).values()].map((record) => ({ ...record, rulesVersion: RULES_VERSION - 1 }));
    await local.store.replaceMessages(dumpId, stale, 'test-stale');
    expect(await local.store.dumpsBeforeRules(RULES_VERSION)).toEqual([dumpId]);

    const run = await reverify();
    expect(run).toMatchObject({ selected: 6, checked: 6, changed: 0 });
    expect(await local.store.dumpsBeforeRules(RULES_VERSION)).toEqual([]);
    for (const record of (await records(dumpId)).values()) expect(record.rulesVersion).toBe(RULES_VERSION);
    expect(await reverify()).toMatchObject({ selected: 0 });
  });
});
