/**
 * The stores the API tests read: a small dump of messages signed with keys made for the run and verified by the
 * real verifier (so every verdict, reason and piece of evidence is one the pipeline would store), a few
 * hand-built records for what a fresh ingest cannot show (a re-verification history, an unreadable entry), and a
 * large hand-built dump for walking pages. The same records go into every store under test.
 */
import type { Locator } from '../../../shared/dump/entry.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { describeEntry } from '../../../shared/pipeline/describe-entry.ts';
import { verifyEntry } from '../../../shared/pipeline/verify-entry.ts';
import type { ArchivedKey, KeyArchive } from '../../../shared/ports/key-archive.ts';
import type { DumpRecord, EntryRecord, VerdictStore } from '../../../shared/ports/verdict-store.ts';
import type { Reason, Verdict } from '../../../shared/verdict/contract.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver, type TestKey } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';
import { errorEntry, messageEntry, sha256Of, signature, skippedEntry } from '../../helpers/store-records.ts';

export type DumpInput = Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'>;

export interface SeedDump {
  dump: DumpInput;
  entries: EntryRecord[];
}

export interface Seed {
  signed: SeedDump;
  big: SeedDump;
  /** The archive's keys: the signing keys, and one more of campaign.example seen before. */
  keys: ArchivedKey[];
}

export const VERIFIED_AT = new Date('2025-03-01T12:00:00.000Z');
export const SIGNED_DUMP_ID = sha256Of('api tests: signed dump');
export const BIG_DUMP_ID = sha256Of('api tests: big dump');
export const UNKNOWN_DUMP_ID = sha256Of('api tests: no such dump');
export const BIG_DUMP_MESSAGES = 2600;

/** The signing domains of the big dump, and the sender domains. */
export const BIG_SIGNERS = ['alpha.example', 'beta.example', 'gamma.example', 'delta.example'] as const;
export const BIG_SENDER_DOMAINS = ['mail.one.example', 'two.example', 'three.example'] as const;

export async function buildSeed(): Promise<Seed> {
  const campaign = rsaKey(2048);
  const relay = rsaKey(2048);
  const keys: ArchivedKey[] = [
    { domain: 'campaign.example', selector: 's2017', value: campaign.record, firstSeenAt: '2017-01-01T00:00:00.000Z', lastSeenAt: '2018-01-01T00:00:00.000Z', source: 'seed' },
    { domain: 'campaign.example', selector: 'old', value: rsaKey(1024).record, firstSeenAt: '2015-01-01T00:00:00.000Z', lastSeenAt: '2016-01-01T00:00:00.000Z', source: 'seed' },
    { domain: 'relay.example', selector: 'relay1', value: relay.record, firstSeenAt: null, lastSeenAt: null, source: 'seed' },
  ];
  return { signed: await signedDump(campaign, relay), big: bigDump(), keys };
}

async function signedDump(campaign: TestKey, relay: TestKey): Promise<SeedDump> {
  const verifier = createVerifier(
    staticResolver({ 's2017._domainkey.campaign.example': campaign.record, 'relay1._domainkey.relay.example': relay.record }),
  );
  const byCampaign = (message: Buffer, options: { bodyLength?: 'whole' } = {}) =>
    signMessage(message, { domain: 'campaign.example', selector: 's2017', privateKey: campaign.privateKey, ...options });
  const verified = async (locator: Locator, bytes: Buffer) => describeEntry(await verifyEntry({ kind: 'message', locator, bytes }, verifier, VERIFIED_AT));

  const alice = buildMessage({ messageId: '<1@campaign.example>' });
  const bob = buildMessage({ from: 'Bob Stone <Bob@Campaign.example>', date: 'Mon, 05 Jun 2017 09:30:00 +0000', subject: 'Budget', messageId: '<2@campaign.example>' });
  const undated = tamper(buildMessage({ subject: 'No date', messageId: '<9@campaign.example>' }), 'Date: Thu, 04 May 2017 10:00:00 +0200\r\n', '');
  const entries: EntryRecord[] = [
    await verified({ path: 'inbox/0001.eml' }, byCampaign(alice)),
    // Signed, then altered: the body hash no longer matches.
    await verified({ path: 'inbox/0002.eml' }, tamper(byCampaign(buildMessage({ messageId: '<3@campaign.example>' })), 'The notes are attached.', 'The notes are NOT attached.')),
    await verified({ path: 'archive.mbox', offset: 0, length: 900 }, byCampaign(bob)),
    // l= covers the body as signed; what was added after it is not signed.
    await verified(
      { path: 'archive.mbox', offset: 2048, length: 900 },
      Buffer.concat([byCampaign(buildMessage({ subject: 'Signed in part', messageId: '<4@campaign.example>' }), { bodyLength: 'whole' }), Buffer.from('P.S. added later\r\n')]),
    ),
    await verified(
      { path: 'nested.zip!/folder/mail.eml' },
      buildMessage({ from: 'Carol <carol@press.example>', date: 'Sat, 31 Dec 2016 23:00:00 +0000', subject: 'Unsigned', messageId: '<5@press.example>' }),
    ),
    // Signed by a selector no archive or DNS knows.
    await verified({ path: 'inbox/0006.eml' }, signMessage(buildMessage({ subject: 'Gone key', messageId: '<6@campaign.example>' }), { domain: 'other.example', selector: 'gone', privateKey: relay.privateKey })),
    await verified(
      { path: 'inbox/0007.eml' },
      signMessage(byCampaign(buildMessage({ subject: 'Relayed', messageId: '<7@campaign.example>' })), { domain: 'relay.example', selector: 'relay1', privateKey: relay.privateKey }),
    ),
    await verified({ path: 'inbox/ümlaut ünïcode #8.eml' }, byCampaign(buildMessage({ subject: 'Grüße', messageId: '<8@campaign.example>' }))),
    await verified({ path: 'inbox/0009.eml' }, byCampaign(undated)),
    messageEntry('history/0010.eml', {
      signedBy: ['campaign.example'],
      sender: 'alice@campaign.example',
      date: '2017-05-20T08:00:00.000Z',
      history: [{ verdict: 'unverified', reasons: ['key-unavailable'], rulesVersion: 1, verifiedAt: '2024-01-01T00:00:00.000Z', replacedAt: '2025-02-01T00:00:00.000Z', cause: 'new-key' }],
    }),
    errorEntry('broken/1.eml', 'not a message: no header section'),
    skippedEntry('images/logo.png'),
  ];
  return { dump: { id: SIGNED_DUMP_ID, name: 'leak.zip', source: '/dumps/leak.zip', bytes: 123_456 }, entries };
}

/** Thousands of varied records: verdicts, reasons, one or two signers, senders, dates (some none), mbox offsets, errors. */
function bigDump(): SeedDump {
  const entries: EntryRecord[] = [];
  const shapes: { verdict: Verdict; reasons: Reason[]; signed: boolean }[] = [
    { verdict: 'verified', reasons: [], signed: true },
    { verdict: 'partially-verified', reasons: ['body-length-limit'], signed: true },
    { verdict: 'verified', reasons: [], signed: true },
    { verdict: 'failed', reasons: ['body-hash-mismatch'], signed: true },
    { verdict: 'unverified', reasons: ['no-signature'], signed: false },
    { verdict: 'partially-verified', reasons: ['weak-key', 'sha1'], signed: true },
    { verdict: 'unverified', reasons: ['key-unavailable'], signed: true },
  ];
  for (let i = 0; i < BIG_DUMP_MESSAGES; i++) {
    const shape = shapes[i % shapes.length]!;
    const signers = shape.signed ? [BIG_SIGNERS[i % 4]!, ...(i % 6 === 0 ? [BIG_SIGNERS[(i + 1) % 4]!] : [])] : [];
    const path = i % 10 === 0 ? 'big.mbox' : `folder-${i % 7}/msg-${String(i).padStart(5, '0')}.eml`;
    entries.push(
      messageEntry(path, {
        ...(i % 10 === 0 ? { offset: i * 1000 } : {}),
        verdict: shape.verdict,
        reasons: shape.reasons,
        signatures: signers.map((d, index) => signature(d, { index, s: `sel${i % 3}` })),
        sender: i % 9 === 0 ? null : `user${i % 13}@${BIG_SENDER_DOMAINS[i % 3]}`,
        date: i % 11 === 0 ? null : new Date(Date.UTC(2016, i % 24, 1 + (i % 28), i % 24)).toISOString(),
        subject: `Message ${i}`,
      }),
    );
    if (i % 97 === 0) entries.push(errorEntry(`broken/${i}.eml`, 'truncated'));
    if (i % 89 === 0) entries.push(skippedEntry(`attachments/${i}.png`));
  }
  return { dump: { id: BIG_DUMP_ID, name: 'big.zip', source: '/dumps/big.zip', bytes: 9_876_543 }, entries };
}

/** Writes a seed into a store and archive: batches of distinct entries, as the pipelines write them. */
export async function seedStore(store: VerdictStore, keys: KeyArchive, seed: Seed, complete: (dumpId: string, located: number) => Promise<unknown>): Promise<void> {
  for (const { dump, entries } of [seed.big, seed.signed]) {
    await store.openDump(dump, dump.id === SIGNED_DUMP_ID ? new Date('2025-03-02T00:00:00.000Z') : new Date('2025-03-01T00:00:00.000Z'));
    for (let start = 0; start < entries.length; start += 400) await store.putEntries(dump.id, entries.slice(start, start + 400));
    await complete(dump.id, entries.length);
  }
  for (const key of seed.keys) await keys.record(key);
}
