/**
 * Decides and stores the provenance of every document of a dump once its entries are stored (the end of an
 * ingest), so listings and counts by provenance are index reads. Idempotent: a document whose decision has not
 * changed is not written again, and setProvenance replaces (never adds to) the counts.
 *
 * A new dump can prove documents of dumps ingested before it (a leak's attachments arriving after its loose
 * files): those are found through the postings of the new dump's signed attachments, by bytes, name and
 * document identity, and settled again too. A re-verification that replaces a carrier's record settles again
 * the documents its attachments name (settleDocumentsCarriedBy): a `proven` stored after its carrier's key was
 * found compromised would be a lie in every listing, count and export. The document detail
 * (GET /dumps/{id}/documents/{key}) decides afresh all the same.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AttachmentRecord, ProvenanceEvidence } from '../documents/contract.ts';
import type { MessageQuery, VerdictStore } from '../ports/verdict-store.ts';
import { CarrierReader, provenanceOf } from './provenance-of.ts';

/** Documents of other dumps settled again after one dump, at most (the rest keep their decision until read). */
export const MAX_OTHER_DOCUMENTS = 10_000;
const PAGE = 500;

export interface SettleTally {
  /** Documents of the dump decided. */
  decided: number;
  /** Of all decided (this dump's and others'), those whose stored provenance changed. */
  changed: number;
  /** Documents of other dumps settled again because this dump's attachments may prove them. */
  others: number;
  /** True when more documents of other dumps matched than MAX_OTHER_DOCUMENTS. */
  othersCapped: boolean;
}

export async function settleProvenance(store: VerdictStore, dumpId: string, now: Date): Promise<SettleTally> {
  const reader = new CarrierReader(store);
  const tally: SettleTally = { decided: 0, changed: 0, others: 0, othersCapped: false };
  for await (const locator of store.documentLocators(dumpId)) {
    tally.decided++;
    if (await settleOne(store, reader, dumpId, locator, now)) tally.changed++;
  }
  const otherDumps = (await store.listDumps()).map((dump) => dump.id).filter((id) => id !== dumpId);
  if (otherDumps.length > 0) {
    const others = await documentsProvableBy(store, reader, dumpId, otherDumps);
    tally.othersCapped = others.capped;
    for (const [otherDump, locator] of others.documents) {
      tally.others++;
      if (await settleOne(store, reader, otherDump, locator, now)) tally.changed++;
    }
  }
  return tally;
}

/** Decides one document and stores the decision when it differs from the stored one; true when it did. */
async function settleOne(store: VerdictStore, reader: CarrierReader, dumpId: string, locator: string, now: Date): Promise<boolean> {
  const entry = await store.getEntry(dumpId, locator);
  if (entry?.kind !== 'document') return false;
  const evidence = await provenanceOf(store, entry, now, reader);
  if (entry.provenance && sameDecision(entry.provenance, evidence)) return false;
  await store.setProvenance(dumpId, locator, evidence);
  return true;
}

/** Equal but for when it was decided. */
export function sameDecision(a: ProvenanceEvidence, b: ProvenanceEvidence): boolean {
  return isDeepStrictEqual({ ...a, decidedAt: '' }, { ...b, decidedAt: '' });
}

/**
 * Settles again every document, in any dump, holding the bytes or the name of these attachments (at most
 * `maxDocuments`; `othersCapped` says when more matched): after the records of the messages carrying them were
 * replaced, a decision stored before may no longer hold, whichever way it moves. Counted in `others`.
 */
export async function settleDocumentsCarriedBy(store: VerdictStore, attachments: Iterable<AttachmentRecord>, now: Date, maxDocuments = MAX_OTHER_DOCUMENTS): Promise<SettleTally> {
  const reader = new CarrierReader(store);
  const tally: SettleTally = { decided: 0, changed: 0, others: 0, othersCapped: false };
  const finder = new DocumentFinder(store, null, (await store.listDumps()).map((dump) => dump.id), maxDocuments);
  for (const attachment of attachments) if (await finder.add(attachment)) break;
  tally.othersCapped = finder.capped;
  for (const [dumpId, locator] of finder.documents()) {
    tally.others++;
    if (await settleOne(store, reader, dumpId, locator, now)) tally.changed++;
  }
  return tally;
}

/**
 * Documents holding an attachment's bytes (the postings by SHA-256 name documents too) or its name (each dump's
 * documents listed by name), outside `excludedDump`; each attachment's bytes and name looked up once. A document
 * matching only by document identity is not found here (the identity postings hold attachments only): it keeps
 * its decision until it is read or its dump is settled again.
 */
class DocumentFinder {
  capped = false;
  private readonly found = new Map<string, [string, string]>();
  private readonly seen = new Set<string>();
  private readonly store: VerdictStore;
  private readonly excludedDump: string | null;
  private readonly dumps: readonly string[];

  private readonly max: number;

  constructor(store: VerdictStore, excludedDump: string | null, dumps: readonly string[], max: number) {
    this.store = store;
    this.excludedDump = excludedDump;
    this.dumps = dumps;
    this.max = max;
  }

  documents(): [string, string][] {
    return [...this.found.values()];
  }

  /** Looks the attachment up; true when the cap is reached (nothing more is added). */
  async add(attachment: AttachmentRecord): Promise<boolean> {
    if (!this.seen.has(attachment.sha256)) {
      this.seen.add(attachment.sha256);
      for await (const place of this.store.filePlaces({ sha256: attachment.sha256 })) {
        if (place.kind === 'document' && place.dumpId !== this.excludedDump && this.put(place.dumpId, place.locator)) return true;
      }
    }
    const name = attachment.name?.toLowerCase();
    if (name && !this.seen.has(`name:${name}`)) {
      this.seen.add(`name:${name}`);
      for (const dumpId of this.dumps) {
        if (dumpId === this.excludedDump) continue;
        const named = await this.store.listDocuments(dumpId, { name, limit: PAGE });
        for (const document of named?.documents ?? []) if (this.put(dumpId, document.locator)) return true;
      }
    }
    return false;
  }

  private put(dumpId: string, locator: string): boolean {
    this.found.set(`${dumpId}\u0000${locator}`, [dumpId, locator]);
    this.capped = this.found.size >= this.max;
    return this.capped;
  }
}

/**
 * Documents of other dumps that this dump's attachments in signed mail (verified or partially verified) may
 * decide (see DocumentFinder).
 */
async function documentsProvableBy(store: VerdictStore, reader: CarrierReader, dumpId: string, otherDumps: readonly string[]): Promise<{ documents: [string, string][]; capped: boolean }> {
  const finder = new DocumentFinder(store, dumpId, otherDumps, MAX_OTHER_DOCUMENTS);
  for (const verdict of ['verified', 'partially-verified'] as const) {
    let cursor: string | undefined;
    do {
      const query: MessageQuery = { verdict, limit: PAGE, ...(cursor ? { cursor } : {}) };
      const page = await store.listMessages(dumpId, query);
      if (!page) return { documents: [], capped: false };
      for (const listed of page.messages) {
        const message = await reader.message(dumpId, listed.locator);
        for (const attachment of message?.attachments ?? []) {
          if (await finder.add(attachment)) return { documents: finder.documents(), capped: true };
        }
      }
      cursor = page.cursor ?? undefined;
    } while (cursor);
  }
  return { documents: finder.documents(), capped: false };
}
