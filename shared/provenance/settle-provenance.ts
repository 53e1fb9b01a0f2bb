/**
 * Decides and stores the provenance of every document of a dump once its entries are stored (the end of an
 * ingest), so listings and counts by provenance are index reads. Idempotent: a document whose decision has not
 * changed is not written again, and setProvenance replaces (never adds to) the counts.
 *
 * A new dump can prove documents of dumps ingested before it (a leak's attachments arriving after its loose
 * files): those are found through the postings of the new dump's signed attachments, by bytes, name and
 * document identity, and settled again too. What is stored is the decision as of the last settle that reached
 * the document; a re-verification that changes a carrier's verdict does not settle again, which is why the
 * document detail (GET /dumps/{id}/documents/{key}) always decides afresh.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ProvenanceEvidence } from '../documents/contract.ts';
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
 * Documents of other dumps that this dump's attachments in signed mail (verified or partially verified) may
 * decide: those with an attachment's bytes (the postings by SHA-256 name documents too) or its name (each other
 * dump's documents listed by name). A document matching only by document identity is not found here (the
 * identity postings hold attachments only): it keeps its decision until it is read or its dump is settled again.
 */
async function documentsProvableBy(store: VerdictStore, reader: CarrierReader, dumpId: string, otherDumps: readonly string[]): Promise<{ documents: [string, string][]; capped: boolean }> {
  const found = new Map<string, [string, string]>();
  const add = (otherDump: string, locator: string) => found.set(`${otherDump}\u0000${locator}`, [otherDump, locator]).size >= MAX_OTHER_DOCUMENTS;
  const seen = new Set<string>();
  for (const verdict of ['verified', 'partially-verified'] as const) {
    let cursor: string | undefined;
    do {
      const query: MessageQuery = { verdict, limit: PAGE, ...(cursor ? { cursor } : {}) };
      const page = await store.listMessages(dumpId, query);
      if (!page) return { documents: [], capped: false };
      for (const listed of page.messages) {
        const message = await reader.message(dumpId, listed.locator);
        for (const attachment of message?.attachments ?? []) {
          if (!seen.has(attachment.sha256)) {
            seen.add(attachment.sha256);
            for await (const place of store.filePlaces({ sha256: attachment.sha256 })) {
              if (place.kind === 'document' && place.dumpId !== dumpId && add(place.dumpId, place.locator)) return { documents: [...found.values()], capped: true };
            }
          }
          const name = attachment.name?.toLowerCase();
          if (name && !seen.has(`name:${name}`)) {
            seen.add(`name:${name}`);
            for (const otherDump of otherDumps) {
              const named = await store.listDocuments(otherDump, { name, limit: PAGE });
              for (const document of named?.documents ?? []) if (add(otherDump, document.locator)) return { documents: [...found.values()], capped: true };
            }
          }
        }
      }
      cursor = page.cursor ?? undefined;
    } while (cursor);
  }
  return { documents: [...found.values()], capped: false };
}
