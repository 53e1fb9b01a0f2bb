/**
 * Settling a dump's documents in legs (as the splitter's function does in AWS), on dynalite: legs cut short by
 * the clock, at any store call, or delivered twice end exactly as one uninterrupted settle.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoVerdictStore } from '../../../shared/adapters/aws/dynamo-verdict-store.ts';
import type { AttachmentRecord } from '../../../shared/documents/contract.ts';
import { runSettleLeg, settleOrderOf, type SettleOrder } from '../../../shared/fanout/settle-leg.ts';
import type { DocumentRecord, MessageRecord } from '../../../shared/ports/verdict-store.ts';
import { emulatedResources } from '../../helpers/aws-emulators.ts';
import { dumpInput, messageEntry, sha256Of } from '../../helpers/store-records.ts';

const AT = new Date('2026-11-21T10:00:00.000Z');
const DUMP = 'a'.repeat(64);
const aws = emulatedResources();
let store: DynamoVerdictStore;

beforeEach(async () => {
  store = new DynamoVerdictStore(aws.db, aws.tables);
});

function document(i: number): DocumentRecord {
  const content = `file ${i}`;
  return { kind: 'document', locator: { path: `files/${i}.pdf` }, name: `${i}.pdf`, declaredType: null, detectedType: 'application/pdf', size: content.length, sha256: sha256Of(content), metadata: null, detail: null, provenance: null };
}

/** A verified message whose signature covers a copy of documents 0, 2, 4, … */
function carrier(): MessageRecord {
  const attachments: AttachmentRecord[] = Array.from({ length: 5 }, (_, k) => {
    const content = `file ${2 * k}`;
    return { mimePath: `${k + 2}`, disposition: 'attachment', coveredBy: [0], name: `${2 * k}.pdf`, declaredType: 'application/pdf', detectedType: 'application/pdf', size: content.length, sha256: sha256Of(content), metadata: null };
  });
  return { ...messageEntry('mail/carrier.eml', { signedBy: ['campaign.example'], sender: 'alice@campaign.example' }), attachments, attachmentsNote: null, arc: null, forensics: null };
}

async function seed(dumpId: string): Promise<void> {
  await store.openDump(dumpInput(dumpId), AT);
  await store.finishSplitting(dumpId, 11, AT);
  await store.putBatch(dumpId, [carrier()], { id: 'job-0', extraLocated: 0 });
  expect(await store.putBatch(dumpId, Array.from({ length: 10 }, (_, i) => document(i)), { id: 'job-1', extraLocated: 0 })).toBe('settle');
}

/** A function's clock that loses `stepMs` at every look, from 10 minutes left. */
function clock(stepMs: number): () => number {
  let left = 600_000;
  return () => (left -= stepMs);
}

/**
 * Runs legs from the first until none is left, as the split queue would, each with a fresh clock (a delivered
 * twice is run again, ending where it ends); returns the legs taken.
 */
async function settleInLegs(dumpId: string, clockOfLeg: () => () => number, deliverTwice = false): Promise<SettleOrder[]> {
  const legs: SettleOrder[] = [];
  for (let order: SettleOrder | null = { dumpId, phase: 'documents', leg: 0 }; order !== null; ) {
    legs.push(order);
    expect(legs.length).toBeLessThan(100);
    if (deliverTwice) await runSettleLeg(order, store, { now: AT, remainingMs: clockOfLeg() });
    ({ next: order } = await runSettleLeg(order, store, { now: AT, remainingMs: clockOfLeg() }));
  }
  await store.completeSettled(dumpId, AT);
  return legs;
}

async function outcome(dumpId: string) {
  const summary = await store.summary(dumpId);
  const listed = (await store.listDocuments(dumpId, { limit: 100 }))!.documents.map((d) => [d.locator, d.provenance]);
  return { status: summary?.dump.status, byProvenance: summary?.byProvenance, listed };
}

describe('settling in legs', () => {
  it('gives what one uninterrupted settle gives, however the legs are cut', async () => {
    await seed(DUMP);
    expect(await settleInLegs(DUMP, () => () => 600_000)).toHaveLength(2); // its documents, then other dumps'
    const whole = await outcome(DUMP);
    expect(whole).toMatchObject({ status: 'complete', byProvenance: { proven: 5, unproven: 5 } });

    // Legs whose clock runs down: they stop taking documents under the soft reserve, and a document still in
    // hand when the hard reserve comes is cut off and left for the next leg.
    for (const [id, stepMs] of [['b', 60_000], ['c', 50_000]] as const) {
      const dumpId = id.repeat(64);
      await seed(dumpId);
      const legs = await settleInLegs(dumpId, () => clock(stepMs));
      expect(legs.length).toBeGreaterThan(3);
      expect(legs.filter((leg) => leg.phase === 'documents').every((leg, i) => i === 0 || leg.after !== undefined)).toBe(true);
      expect(await outcome(dumpId)).toEqual(whole);
    }
  });

  it('a leg delivered twice changes nothing', async () => {
    const twice = 'd'.repeat(64);
    await seed(twice);
    await settleInLegs(twice, () => clock(20_000), true);
    expect(await outcome(twice)).toMatchObject({ status: 'complete', byProvenance: { proven: 5, unproven: 5 } });
  });

  it('reads its order from a split queue message, and nothing else', () => {
    expect(settleOrderOf(JSON.stringify({ settle: { dumpId: DUMP, phase: 'documents', after: 'files/3.pdf', leg: 2 } }))).toEqual({ dumpId: DUMP, phase: 'documents', after: 'files/3.pdf', leg: 2 });
    expect(settleOrderOf(JSON.stringify({ dumpId: DUMP, key: 'k', name: 'n', leg: 0 }))).toBeUndefined();
    expect(() => settleOrderOf(JSON.stringify({ settle: { dumpId: 'x', phase: 'documents', leg: 0 } }))).toThrow(/not a settle order/);
  });
});
