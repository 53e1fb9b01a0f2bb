/**
 * Gathers what decideProvenance needs from the store (every dump in it, not only the document's own) and
 * decides: the attachments holding the document's bytes, else those with its name or document identity, each
 * read back with the message that carries it; and the authors known on verified mail of the carriers'
 * organisations. Every lookup is an index read, and each is bounded.
 */
import type { FileFacts, FilePlace, ProvenanceEvidence } from '../documents/contract.ts';
import { mapConcurrently } from '../pipeline/map-concurrently.ts';
import type { FileKey, MessageRecord, VerdictStore } from '../ports/verdict-store.ts';
import { attachmentProof } from './attachment-proof.ts';
import { decideProvenance, type CarriedCopy } from './decide-provenance.ts';
import { carrierOrganisations } from './signals.ts';

/**
 * Places looked at per lookup key. A posting carries the carrier's verdict, so a flood of copies in failed or
 * unverified mail is passed over without reading a record; past this many places the rest are not seen.
 */
export const MAX_PLACES_SCANNED = 10_000;
/** Carrying messages read per lookup key (the best-verdict places first). */
export const MAX_CARRIERS_READ = 64;
/** Organisations whose verified authors are asked for. */
const MAX_ORGANISATIONS = 8;
const READS_IN_FLIGHT = 8;
/** Message records a lookup keeps between documents (a settle run asks for the same carriers again and again). */
const MAX_CACHED_MESSAGES = 2_000;

/** Reads carrying messages back from the store, remembering the last ones read. */
export class CarrierReader {
  private readonly cache = new Map<string, Promise<MessageRecord | null>>();
  private readonly store: VerdictStore;

  constructor(store: VerdictStore) {
    this.store = store;
  }

  /** The attachment a place names, with its message, as stored; null when either is gone or differs from the place. */
  async copyAt(place: FilePlace): Promise<CarriedCopy | null> {
    if (place.kind !== 'attachment') return null;
    const message = await this.message(place.dumpId, place.locator);
    // The posting only pointed here: the record is what is trusted, and it must hold these very bytes.
    const attachment = message?.attachments.find((item) => item.mimePath === place.mimePath && item.sha256 === place.sha256);
    return message && attachment ? { place, message, attachment } : null;
  }

  message(dumpId: string, locator: string): Promise<MessageRecord | null> {
    const key = `${dumpId}\u0000${locator}`;
    let found = this.cache.get(key);
    if (!found) {
      found = this.store.getEntry(dumpId, locator).then((entry) => (entry?.kind === 'message' ? entry : null));
      if (this.cache.size >= MAX_CACHED_MESSAGES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, found);
    }
    return found;
  }
}

/** The document's provenance as the store stands now. */
export async function provenanceOf(store: VerdictStore, document: FileFacts, decidedAt: Date, reader = new CarrierReader(store)): Promise<ProvenanceEvidence> {
  const identical = await carriedCopies(store, reader, [{ sha256: document.sha256 }], ['verified', 'partially-verified']);
  const provable = identical.some((copy) => attachmentProof(copy.message, copy.attachment).level !== 'none');
  const keys: FileKey[] = [];
  if (!provable && document.name) keys.push({ name: document.name.toLowerCase() });
  const documentId = document.metadata?.fields.documentId;
  if (!provable && documentId) keys.push({ documentId });
  const namesakes = keys.length > 0 ? await carriedCopies(store, reader, keys, ['verified']) : [];
  const organisations = carrierOrganisations([...identical, ...namesakes]).slice(0, MAX_ORGANISATIONS);
  const knownAuthors = new Map(await mapConcurrently(organisations, READS_IN_FLIGHT, async (organisation) => [organisation, await store.verifiedAuthors(organisation)] as const));
  return decideProvenance({ document, identical, namesakes, knownAuthors, decidedAt });
}

/**
 * The attachments at the given keys whose carriers have one of these verdicts (verified ones read first), each
 * once, read back with their messages.
 */
async function carriedCopies(store: VerdictStore, reader: CarrierReader, keys: readonly FileKey[], verdicts: readonly string[]): Promise<CarriedCopy[]> {
  const chosen = new Map<string, FilePlace>();
  for (const key of keys) {
    const places: FilePlace[] = [];
    let scanned = 0;
    for await (const place of store.filePlaces(key)) {
      if (++scanned > MAX_PLACES_SCANNED) break;
      if (place.kind === 'attachment' && place.verdict !== null && verdicts.includes(place.verdict)) places.push(place);
    }
    places.sort((a, b) => verdicts.indexOf(a.verdict!) - verdicts.indexOf(b.verdict!));
    for (const place of places.slice(0, MAX_CARRIERS_READ)) chosen.set(`${place.dumpId}\u0000${place.locator}\u0000${place.mimePath}`, place);
  }
  const copies = await mapConcurrently(chosen.values(), READS_IN_FLIGHT, (place) => reader.copyAt(place));
  return copies.filter((copy) => copy !== null);
}
