/**
 * Documents, attachments and provenance on dynalite, beyond the store contract: the dump waits for its documents'
 * provenance before it completes, provenance counts move exactly once whatever write a setProvenance dies at,
 * attachment postings follow re-verification, and one attachment carried by 10,000 messages spreads its postings
 * over the shards.
 */
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { postingItems } from '../../../../shared/adapters/aws/dynamo-entry-items.ts';
import { DynamoVerdictStore } from '../../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { POSTINGS_TABLE, SHARDS } from '../../../../shared/adapters/aws/table-design.ts';
import type { AttachmentRecord, Provenance, ProvenanceEvidence } from '../../../../shared/documents/contract.ts';
import type { DocumentRecord, MessageRecord } from '../../../../shared/ports/verdict-store.ts';
import { emulatedResources } from '../../../helpers/aws-emulators.ts';
import { dumpInput, messageEntry, sha256Of, signature } from '../../../helpers/store-records.ts';
import { collect } from '../../../helpers/verdict-store-contract.ts';

const AT = new Date('2026-11-21T10:00:00.000Z');
const aws = emulatedResources();
let store: DynamoVerdictStore;

beforeEach(async () => {
  store = new DynamoVerdictStore(aws.db, aws.tables);
});

function document(path: string, content: string, name = path.split('/').pop()!): DocumentRecord {
  return { kind: 'document', locator: { path }, name, declaredType: null, detectedType: 'application/pdf', size: content.length, sha256: sha256Of(content), metadata: null, detail: null, provenance: null };
}

function attachment(content: string, name: string, overrides: Partial<AttachmentRecord> = {}): AttachmentRecord {
  return { mimePath: '2', disposition: 'attachment', coveredBy: [0], name, declaredType: 'application/pdf', detectedType: 'application/pdf', size: content.length, sha256: sha256Of(content), metadata: null, ...overrides };
}

function carrier(path: string, attachments: AttachmentRecord[], overrides: Parameters<typeof messageEntry>[1] = {}): MessageRecord {
  return { ...messageEntry(path, { signedBy: ['campaign.example'], sender: 'alice@campaign.example', ...overrides }), attachments, attachmentsNote: null, arc: null, forensics: null };
}

function evidence(provenance: Provenance): ProvenanceEvidence {
  return { provenance, carriers: [], reasons: [], differences: [], signals: [], decidedAt: AT.toISOString() };
}

describe('a dump with documents', () => {
  it('counts them, waits for their provenance when every entry is in, then completes', async () => {
    await store.openDump(dumpInput('D'), AT);
    await store.finishSplitting('D', 3, AT);
    expect(await store.putBatch('D', [carrier('m.eml', [attachment('pdf', 'a.pdf')])], { id: 'job-0', extraLocated: 0 })).toBe('incomplete');
    expect(await store.putBatch('D', [document('a.pdf', 'pdf'), document('b.pdf', 'other')], { id: 'job-1', extraLocated: 0 })).toBe('settle');
    // Delivered again: still waiting, counted once.
    expect(await store.putBatch('D', [document('a.pdf', 'pdf'), document('b.pdf', 'other')], { id: 'job-1', extraLocated: 0 })).toBe('settle');
    expect(await store.counts('D')).toEqual({ status: 'processing', located: 3, messages: 1, documents: 2, skipped: 0, errors: 0 });
    await store.setProvenance('D', 'a.pdf', evidence('proven'));
    await store.setProvenance('D', 'b.pdf', evidence('unproven'));
    await store.completeSettled('D', AT);
    const summary = await store.summary('D');
    expect(summary).toMatchObject({ dump: { status: 'complete', processed: 3, documents: 2 }, documents: 2, byProvenance: { proven: 1, unproven: 1 } });
    expect(await collect(store.documentLocators('D'))).toEqual(['a.pdf', 'b.pdf']);
    expect(await collect(store.documentLocators('D', 'a.pdf'))).toEqual(['b.pdf']);
    // Documents are not messages: not listed with them, not exported as verdicts.
    expect((await store.listMessages('D', { limit: 10 }))!.messages.map((m) => m.locator)).toEqual(['m.eml']);
    expect((await collect(store.exportRecords('D'))).map((r) => r.locator)).toEqual(['m.eml']);
  });

  it('completes at once when it holds no documents', async () => {
    await store.openDump(dumpInput('N'), AT);
    await store.finishSplitting('N', 1, AT);
    expect(await store.putBatch('N', [carrier('m.eml', [])], { id: 'job-0', extraLocated: 0 })).toBe('complete');
  });
});

describe('setProvenance', () => {
  it('moves the counts once when set again, and lists the document under its new provenance', async () => {
    await store.openDump(dumpInput('P'), AT);
    await store.putEntries('P', [document('x.pdf', 'x'), document('y.pdf', 'y')], { id: 'job-0', extraLocated: 0 });
    await store.setProvenance('P', 'x.pdf', evidence('unproven'));
    await store.setProvenance('P', 'x.pdf', evidence('unproven'));
    await store.setProvenance('P', 'x.pdf', evidence('altered-copy'));
    await store.setProvenance('P', 'y.pdf', evidence('proven'));
    expect((await store.summary('P'))?.byProvenance).toEqual({ 'altered-copy': 1, proven: 1 });
    expect((await store.listDocuments('P', { provenance: 'altered-copy', limit: 10 }))!.documents).toEqual([
      { locator: 'x.pdf', name: 'x.pdf', size: 1, sha256: sha256Of('x'), detectedType: 'application/pdf', provenance: 'altered-copy' },
    ]);
    expect(await store.getEntry('P', 'x.pdf')).toMatchObject({ kind: 'document', provenance: { provenance: 'altered-copy' } });
  });

  it('two settles at the same moment count each move once', async () => {
    await store.openDump(dumpInput('C'), AT);
    const documents = Array.from({ length: 8 }, (_, i) => document(`d${i}.pdf`, `content ${i}`));
    await store.putEntries('C', documents, { id: 'job-0', extraLocated: 0 });
    const other = new DynamoVerdictStore(aws.db, aws.tables);
    await Promise.all([
      ...documents.map((d) => store.setProvenance('C', d.locator.path, evidence('proven'))),
      ...documents.map((d) => other.setProvenance('C', d.locator.path, evidence('proven'))),
    ]);
    expect((await store.summary('C'))?.byProvenance).toEqual({ proven: 8 });
  });

  // Every write of a setProvenance (the item, its listing, the counting, the mark's removal) is a point it can die at.
  it('is exact after a crash at any of its writes, once called again', async () => {
    let writes = 0;
    for (let crashAt = 1; ; crashAt++) {
      const dumpId = `X${crashAt}`;
      await store.openDump(dumpInput(dumpId), AT);
      await store.putEntries(dumpId, [document('x.pdf', 'x')], { id: 'job-0', extraLocated: 0 });
      await store.setProvenance(dumpId, 'x.pdf', evidence('unproven'));
      let seen = 0;
      const crashing = {
        send: (command: unknown) => {
          if ((command instanceof PutCommand || command instanceof UpdateCommand) && ++seen === crashAt) return Promise.reject(new Error('crashed'));
          return aws.db.send(command as never);
        },
      } as DynamoDBDocumentClient;
      const crashed = await new DynamoVerdictStore(crashing, aws.tables, { countingLease: { ms: 0, waitMs: 0 } })
        .setProvenance(dumpId, 'x.pdf', evidence('proven'))
        .then(() => false, () => true);
      if (!crashed) {
        writes = seen;
        break;
      }
      await store.setProvenance(dumpId, 'x.pdf', evidence('proven'));
      expect((await store.summary(dumpId))?.byProvenance).toEqual({ proven: 1 });
      expect((await store.listDocuments(dumpId, { limit: 10 }))!.documents[0]?.provenance).toBe('proven');
    }
    // The item, its listing, the counting (marker, counter, 2 states, cleanup), the mark's removal.
    expect(writes).toBe(1 + 1 + 1 + 1 + 1 + 1 + 1 + 1);
  });
});

describe('file postings', () => {
  it('carry the verdict the message has now: re-verification rewrites them', async () => {
    await store.openDump(dumpInput('R'), AT);
    const message = carrier('m.eml', [attachment('bytes', 'Budget.xlsx', { metadata: { format: 'ooxml', fields: { author: 'Alice', documentId: 'doc-1' }, parts: null, note: null } })]);
    await store.putEntries('R', [message], { id: 'job-0', extraLocated: 0 });
    expect((await collect(store.filePlaces({ sha256: sha256Of('bytes') }))).map((p) => p.verdict)).toEqual(['verified']);
    expect(await store.verifiedAuthors('campaign.example')).toEqual(['Alice']);
    await store.replaceMessages('R', [{ ...message, verdict: 'failed', reasons: ['body-hash-mismatch'] }], 'run-1');
    for (const key of [{ sha256: sha256Of('bytes') }, { name: 'budget.XLSX' }, { documentId: 'doc-1' }]) {
      expect(await collect(store.filePlaces(key))).toEqual([
        { dumpId: 'R', locator: 'm.eml', kind: 'attachment', mimePath: '2', name: 'Budget.xlsx', sha256: sha256Of('bytes'), verdict: 'failed', reasons: ['body-hash-mismatch'], from: message.from, date: message.date, coveredBy: ['campaign.example'] },
      ]);
    }
    expect(await collect(store.messagesWithIdentity('id:<m.eml@example.test>'))).toEqual([{ dumpId: 'R', locator: 'm.eml', verdict: 'failed' }]);
  });

  it('of one attachment carried by 10,000 messages spread over every shard, none taking much more than its share', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const message = carrier(`box/${i}.eml`, [attachment('logo', 'image001.png')], { signatures: [signature('campaign.example')] });
      for (const item of postingItems('dump', message)) {
        const partition = item[POSTINGS_TABLE.partitionKey] as string;
        if (partition.startsWith('file#') || partition.startsWith('name#')) counts.set(partition, (counts.get(partition) ?? 0) + 1);
      }
    }
    // file# and name# of the one attachment: SHARDS partitions each.
    expect(counts.size).toBe(2 * SHARDS);
    expect(Math.max(...counts.values()) / (10_000 / SHARDS)).toBeLessThan(1.25);
  });
});
