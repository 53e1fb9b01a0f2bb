/**
 * Re-verifies stored messages from their original bytes and replaces the verdicts that changed, keeping the
 * old verdict in the record's history with when and why. The same on every host: a local run and an AWS worker
 * both call it with the messages they re-read from the dump.
 *
 * A replaced record carries what the current rules find (its attachments and what covers them, ARC, forensics),
 * and the documents its attachments name are settled again once it is stored: a document stored `proven` by a
 * message whose key is now known compromised must not stay `proven` in listings, counts and exports.
 */
import { isDeepStrictEqual } from 'node:util';
import { locatorKey, type MessageEntry } from '../dump/entry.ts';
import { verifyEntry } from '../pipeline/verify-entry.ts';
import type { MessageRecord, VerdictStore } from '../ports/verdict-store.ts';
import { settleDocumentsCarriedBy } from '../provenance/settle-provenance.ts';
import type { ChangeCause, Verdict } from '../verdict/contract.ts';
import type { MessageVerifier } from '../verify/verify-message.ts';

export interface ReverifyOptions {
  dumpId: string;
  /**
   * The selected messages of this dump: locator key → cause. Entries not in it are passed over; those in it
   * never read count as unreadable.
   */
  causes: ReadonlyMap<string, ChangeCause>;
  store: VerdictStore;
  verifier: MessageVerifier;
  /** The wall clock of the run: when replaced verdicts were replaced. */
  now: Date;
  /** Names each batch of replacements, so a batch applied twice is counted once (see replaceMessages). */
  batchId: (sequence: number) => string;
  onChecked?: (outcome: ReverifyOutcome) => void;
}

/** What re-verifying one message did. */
export type ReverifyOutcome =
  | { locator: string; result: 'changed'; from: Verdict; to: Verdict }
  | { locator: string; result: 'unchanged' }
  /** The bytes read are not the bytes stored (the dump was replaced), or the message could not be read: left as it was. */
  | { locator: string; result: 'unreadable'; detail: string };

export interface ReverifyTally {
  checked: number;
  changed: number;
  /** "unverified → verified" → how many. */
  transitions: Map<string, number>;
  unreadable: number;
}

const REPLACE_BATCH = 200;

export async function reverifyMessages(entries: AsyncIterable<MessageEntry>, options: ReverifyOptions): Promise<ReverifyTally> {
  const { dumpId, causes, store, now } = options;
  const tally: ReverifyTally = { checked: 0, changed: 0, transitions: new Map(), unreadable: 0 };
  let batch: { record: MessageRecord; before: MessageRecord }[] = [];
  let sequence = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await store.replaceMessages(dumpId, batch.map((replaced) => replaced.record), options.batchId(sequence++));
    // Both the files the record held and those it holds now: their documents' decisions may move either way.
    await settleDocumentsCarriedBy(store, batch.flatMap((replaced) => [...replaced.before.attachments, ...replaced.record.attachments]), now);
    batch = [];
  };
  for await (const entry of entries) {
    const key = locatorKey(entry.locator);
    const cause = causes.get(key);
    if (!cause) continue;
    const stored = await store.getEntry(dumpId, key);
    if (stored?.kind !== 'message') continue;
    const outcome = await reverifyOne(entry, stored, cause, options.verifier, now);
    tally.checked++;
    if (outcome.record) batch.push({ record: outcome.record, before: stored });
    if (outcome.result.result === 'changed') {
      tally.changed++;
      const transition = `${outcome.result.from} → ${outcome.result.to}`;
      tally.transitions.set(transition, (tally.transitions.get(transition) ?? 0) + 1);
    }
    if (outcome.result.result === 'unreadable') tally.unreadable++;
    options.onChecked?.(outcome.result);
    if (batch.length >= REPLACE_BATCH) await flush();
  }
  await flush();
  // Selected messages the dump (or the store) no longer yields were not re-verified: the closing line says so.
  tally.unreadable += Math.max(0, causes.size - tally.checked);
  return tally;
}

/**
 * One message: the verification clock stays the stored one (the latest time the message is vouched to have
 * existed: when it was ingested, or --at), so a key compromised after the ingest does not discredit it.
 * Returns the record to store when anything in it changed.
 */
async function reverifyOne(entry: MessageEntry, stored: MessageRecord, cause: ChangeCause, verifier: MessageVerifier, now: Date): Promise<{ result: ReverifyOutcome; record?: MessageRecord }> {
  const locator = locatorKey(entry.locator);
  let verified;
  try {
    verified = await verifyEntry(entry, verifier, new Date(stored.verifiedAt));
  } catch (error) {
    return { result: { locator, result: 'unreadable', detail: (error as Error).message } };
  }
  if (verified.sha256 !== stored.sha256) return { result: { locator, result: 'unreadable', detail: 'the bytes in the dump are not the bytes verified before' } };
  if (verified.kind === 'error') return { result: { locator, result: 'unreadable', detail: verified.detail } };
  const { verdict, reasons, signatures, detail, receivedAt, rulesVersion, attachments, attachmentsNote, arc, forensics } = verified;
  const fresh = { verdict, reasons, signatures, detail, receivedAt, rulesVersion, attachments, attachmentsNote, arc, forensics };
  const before = {
    verdict: stored.verdict, reasons: stored.reasons, signatures: stored.signatures, detail: stored.detail, receivedAt: stored.receivedAt, rulesVersion: stored.rulesVersion,
    attachments: stored.attachments, attachmentsNote: stored.attachmentsNote, arc: stored.arc, forensics: stored.forensics,
  };
  if (isDeepStrictEqual(fresh, before)) return { result: { locator, result: 'unchanged' } };
  const verdictChanged = verdict !== stored.verdict || !isDeepStrictEqual(reasons, stored.reasons);
  const history = verdictChanged
    ? [...stored.history, { verdict: stored.verdict, reasons: stored.reasons, rulesVersion: stored.rulesVersion, verifiedAt: stored.verifiedAt, replacedAt: now.toISOString(), cause }]
    : stored.history;
  const record: MessageRecord = { ...stored, ...fresh, history };
  return { result: verdictChanged ? { locator, result: 'changed', from: stored.verdict, to: verdict } : { locator, result: 'unchanged' }, record };
}
