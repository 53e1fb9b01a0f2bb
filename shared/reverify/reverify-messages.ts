/**
 * Re-verifies stored messages from their original bytes and replaces the verdicts that changed, keeping the
 * old verdict in the record's history with when and why. The same on every host: a local run and an AWS worker
 * both call it with the messages they re-read from the dump.
 *
 * A replaced record carries what the current rules find (its attachments and what covers them, ARC, forensics),
 * and when what a part's proof rests on changed (verdict, reasons, signatures, attachments: see attachmentProof)
 * the documents its attachments name are settled again once it is stored: a document stored `proven` by a message
 * whose key is now known compromised must not stay `proven` in listings, counts and exports.
 *
 * Idempotent under redelivery: a job delivered again after its replacements were stored but before their
 * documents were settled finds those messages unchanged, their last history entry naming this very cause; their
 * documents are settled again then too (settling writes only decisions that changed).
 */
import { isDeepStrictEqual } from 'node:util';
import { locatorKey, type MessageEntry } from '../dump/entry.ts';
import { verifyEntry } from '../pipeline/verify-entry.ts';
import type { MessageRecord, VerdictStore } from '../ports/verdict-store.ts';
import type { AttachmentRecord } from '../documents/contract.ts';
import { MAX_OTHER_DOCUMENTS, settleDocumentsCarriedBy } from '../provenance/settle-provenance.ts';
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
  /**
   * Documents settled again after one batch of replacements, at most (default MAX_OTHER_DOCUMENTS): a worker
   * with two minutes to live passes fewer. The rest keep their decision until read or settled again.
   */
  maxDocumentsSettled?: number;
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
  /** Documents settled again because a re-verified message carried their bytes or name. */
  documentsSettled: number;
  /** Of those, the ones whose stored provenance changed. */
  provenanceChanged: number;
  /** Batches whose documents to settle again were more than maxDocumentsSettled. */
  settleCapped: number;
}

const REPLACE_BATCH = 200;

export async function reverifyMessages(entries: AsyncIterable<MessageEntry>, options: ReverifyOptions): Promise<ReverifyTally> {
  const { dumpId, causes, store, now } = options;
  const tally: ReverifyTally = { checked: 0, changed: 0, transitions: new Map(), unreadable: 0, documentsSettled: 0, provenanceChanged: 0, settleCapped: 0 };
  let batch: MessageRecord[] = [];
  /** Files of the messages whose documents are settled again after the batch is stored, and how many messages. */
  let carried: AttachmentRecord[] = [];
  let carriers = 0;
  let sequence = 0;
  const flush = async () => {
    if (batch.length > 0) await store.replaceMessages(dumpId, batch, options.batchId(sequence++));
    if (carriers > 0) {
      const settled = await settleDocumentsCarriedBy(store, carried, now, options.maxDocumentsSettled ?? MAX_OTHER_DOCUMENTS);
      tally.documentsSettled += settled.others;
      tally.provenanceChanged += settled.changed;
      if (settled.othersCapped) tally.settleCapped++;
    }
    batch = [];
    carried = [];
    carriers = 0;
  };
  for await (const entry of entries) {
    const key = locatorKey(entry.locator);
    const cause = causes.get(key);
    if (!cause) continue;
    const stored = await store.getEntry(dumpId, key);
    if (stored?.kind !== 'message') continue;
    const outcome = await reverifyOne(entry, stored, cause, options.verifier, now);
    tally.checked++;
    if (outcome.record) batch.push(outcome.record);
    const files = filesToSettle(stored, outcome.record, cause);
    if (files.length > 0) {
      carried.push(...files);
      carriers++;
    }
    if (outcome.result.result === 'changed') {
      tally.changed++;
      const transition = `${outcome.result.from} → ${outcome.result.to}`;
      tally.transitions.set(transition, (tally.transitions.get(transition) ?? 0) + 1);
    }
    if (outcome.result.result === 'unreadable') tally.unreadable++;
    options.onChecked?.(outcome.result);
    if (batch.length >= REPLACE_BATCH || carriers >= REPLACE_BATCH) await flush();
  }
  await flush();
  // Selected messages the dump (or the store) no longer yields were not re-verified: the closing line says so.
  tally.unreadable += Math.max(0, causes.size - tally.checked);
  return tally;
}

/**
 * The files whose documents' provenance this message's re-verification may move: those it held and holds when
 * what their proof rests on changed; those it holds when it is unchanged now but its last change was for this
 * cause (the job delivered again after storing it, see above).
 */
function filesToSettle(stored: MessageRecord, replaced: MessageRecord | undefined, cause: ChangeCause): AttachmentRecord[] {
  if (replaced) return proofChanged(stored, replaced) ? [...stored.attachments, ...replaced.attachments] : [];
  return stored.history.at(-1)?.cause === cause ? stored.attachments : [];
}

/** What attachmentProof reads of a message differs. */
function proofChanged(a: MessageRecord, b: MessageRecord): boolean {
  const proof = (record: MessageRecord) => ({ verdict: record.verdict, reasons: record.reasons, signatures: record.signatures, attachments: record.attachments });
  return !isDeepStrictEqual(proof(a), proof(b));
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
