/**
 * Re-verification and the provenance stored for documents: a document settled `proven` by a message whose
 * verdict a later run lowers (its key found compromised) must not stay `proven` in listings, counts and exports
 * (they read the stored decision); a document in another dump too. Through the real local pipeline.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openLocalHome, type LocalHome } from '../../../shared/adapters/local/local-home.ts';
import { WorkerPool } from '../../../shared/adapters/local/worker-pool.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { fingerprintDump } from '../../../shared/dump/fingerprint.ts';
import { readDump } from '../../../shared/dump/open-dump.ts';
import { ingest } from '../../../shared/pipeline/ingest.ts';
import { settleProvenance } from '../../../shared/provenance/settle-provenance.ts';
import { runLocalReverification } from '../../../shared/reverify/local-reverifier.ts';
import { readStoredMessages } from '../../../shared/reverify/local-message-source.ts';
import { reverifyMessages } from '../../../shared/reverify/reverify-messages.ts';
import { storedLocators } from '../../../shared/reverify/run-reverification.ts';
import { selectAffected } from '../../../shared/reverify/select-affected.ts';
import { archiveFirstResolver } from '../../../shared/keys/archive-first-resolver.ts';
import type { VerdictStore } from '../../../shared/ports/verdict-store.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { buildZip, makeTempDir, removeDir } from '../../helpers/dump-files.ts';
import { rsaKey } from '../../helpers/keys.ts';
import { filePart, multipartMessage, textPart } from '../../helpers/mime-messages.ts';

const INGESTED_AT = new Date('2026-11-01T00:00:00Z');
const key = rsaKey(1024);
const KEY = { domain: 'campaign.example', selector: 'sel', value: key.record, firstSeenAt: '2016-01-01T00:00:00.000Z', lastSeenAt: null, source: 'test' };
const CONTRACT = Buffer.from('%PDF-1.4 the contract as signed');

let dir: string;
let local: LocalHome;
beforeEach(async () => {
  dir = await makeTempDir();
  local = openLocalHome(join(dir, 'home'));
  await local.archive.record(KEY);
});
afterEach(async () => {
  local.close();
  await removeDir(dir);
});

async function ingestZip(name: string, members: { name: string; data: Buffer }[]): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, await buildZip(members));
  const identity = await fingerprintDump(path);
  const { dump } = await ingest({
    dump: Promise.resolve({ id: identity.id, name, source: path, bytes: identity.bytes }),
    entries: readDump(path),
    store: local.store,
    startQueue: (onResult) => new WorkerPool({ home: local.home, offline: true, at: INGESTED_AT.toISOString(), workers: 1, onResult }),
    now: () => INGESTED_AT,
  });
  await settleProvenance(local.store, dump.id, INGESTED_AT); // as `leakproof ingest` does
  return dump.id;
}

async function stored(dumpId: string) {
  const page = await local.store.listDocuments(dumpId, { limit: 50 });
  return { listed: Object.fromEntries(page!.documents.map((document) => [document.locator, document.provenance])), counts: (await local.store.summary(dumpId))!.byProvenance };
}

it('settles again the documents a re-verified message carried, in its dump and in others', async () => {
  const message = multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [textPart('the contract'), filePart(CONTRACT, { type: 'application/pdf', name: 'contract.pdf' })] });
  const mail = await ingestZip('mail.zip', [
    { name: 'inbox/1.eml', data: signMessage(message, { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey }) },
    { name: 'docs/contract.pdf', data: CONTRACT },
  ]);
  const loose = await ingestZip('loose.zip', [{ name: 'contract.pdf', data: CONTRACT }]);
  expect(await stored(mail)).toEqual({ listed: { 'docs/contract.pdf': 'proven' }, counts: { proven: 1 } });
  expect(await stored(loose)).toEqual({ listed: { 'contract.pdf': 'proven' }, counts: { proven: 1 } });

  await local.archive.record({ ...KEY, compromisedAt: '2026-10-01T00:00:00.000Z' });
  expect(await runLocalReverification(local, { offline: true })).toMatchObject({ changed: 1, documentsSettled: 2, provenanceChanged: 2, settleCapped: 0 });
  // The carrier is now partially verified (key-compromised): the copies are partially proven, with its reason.
  expect(await stored(mail)).toEqual({ listed: { 'docs/contract.pdf': 'partially-proven' }, counts: { 'partially-proven': 1 } });
  expect(await stored(loose)).toEqual({ listed: { 'contract.pdf': 'partially-proven' }, counts: { 'partially-proven': 1 } });
  expect(await local.store.getEntry(loose, 'contract.pdf')).toMatchObject({ provenance: { reasons: ['key-compromised'] } });
});

it('settles them when a job is delivered again after its replacements were stored but not its documents', async () => {
  const message = multipartMessage({ subtype: 'mixed', boundary: 'b', parts: [textPart('the contract'), filePart(CONTRACT, { type: 'application/pdf', name: 'contract.pdf' })] });
  const mail = await ingestZip('mail.zip', [{ name: 'inbox/1.eml', data: signMessage(message, { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey }) }]);
  const loose = await ingestZip('loose.zip', [{ name: 'contract.pdf', data: CONTRACT }]);
  expect(await stored(loose)).toEqual({ listed: { 'contract.pdf': 'proven' }, counts: { proven: 1 } });

  await local.archive.record({ ...KEY, compromisedAt: '2026-10-01T00:00:00.000Z' });
  // A job, as the queue carries it: its dump's selected messages and why.
  const causes = (await selectAffected(local.store, local.archive)).get(mail)!;
  const dump = (await local.store.listDumps()).find((candidate) => candidate.id === mail)!;
  const job = (store: VerdictStore) => async () =>
    reverifyMessages(readStoredMessages(dump, await storedLocators(local.store, mail, causes)), {
      dumpId: mail,
      causes,
      store,
      verifier: createVerifier(archiveFirstResolver({ archive: local.archive, dns: null, now: () => INGESTED_AT })),
      now: new Date('2026-11-02T00:00:00Z'),
      batchId: (sequence) => `reverify-run-0-${sequence}`,
    });
  // The first delivery dies once the replacement is stored: settling starts by listing the dumps.
  const dying = new Proxy(local.store, {
    get(target, property) {
      if (property === 'listDumps') return () => Promise.reject(new Error('worker timed out'));
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  await expect(job(dying)()).rejects.toThrow('worker timed out');
  expect(await local.store.getEntry(mail, 'inbox/1.eml')).toMatchObject({ verdict: 'partially-verified' });
  expect(await stored(loose)).toEqual({ listed: { 'contract.pdf': 'proven' }, counts: { proven: 1 } });

  // Delivered again: the message is unchanged now, but its last change was for this cause.
  expect(await job(local.store)()).toMatchObject({ checked: 1, changed: 0, documentsSettled: 1, provenanceChanged: 1 });
  expect(await stored(loose)).toEqual({ listed: { 'contract.pdf': 'partially-proven' }, counts: { 'partially-proven': 1 } });
  // And once more: nothing left to change.
  expect(await job(local.store)()).toMatchObject({ changed: 0, documentsSettled: 1, provenanceChanged: 0 });
  expect((await local.store.summary(loose))!.byProvenance).toEqual({ 'partially-proven': 1 });
});
