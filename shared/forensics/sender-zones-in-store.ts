/**
 * The message detail's comparison of the Date's zone with the same sender's verified messages, read from the
 * store at read time (nothing is stored): the store's listing by sender and verdict, this message's dump first
 * then the others, at most MAX_ZONE_COMPARISONS records read and MAX_DUMPS_ASKED listings asked.
 */
import { locatorKey } from '../dump/entry.ts';
import { mapConcurrently } from '../pipeline/map-concurrently.ts';
import type { MessageRecord, VerdictStore } from '../ports/verdict-store.ts';
import type { MessageForensics } from './contract.ts';
import { compareSenderZone } from './sender-zone.ts';

/** Verified messages of the sender whose records are read, at most. */
export const MAX_ZONE_COMPARISONS = 50;
/** Dumps whose listing is asked, at most (this message's first). */
export const MAX_DUMPS_ASKED = 20;
/** Records read at once: a remote store answers each in a round trip. */
const READS_IN_FLIGHT = 8;

type ZoneStore = Pick<VerdictStore, 'listDumps' | 'listMessages' | 'getEntry'>;

/** The record's forensics with `senderZone` (and its flag, when the zone is unseen); null when it has none. */
export async function forensicsWithSenderZone(store: ZoneStore, dumpId: string, record: MessageRecord): Promise<MessageForensics | null> {
  const { forensics } = record;
  if (!forensics) return null;
  const zone = forensics.date?.zone ?? null;
  if (zone === null || record.sender === null) return { ...forensics, senderZone: null };
  const comparison = compareSenderZone(zone, await verifiedZonesOf(store, dumpId, record.sender, locatorKey(record.locator)));
  if (!comparison) return { ...forensics, senderZone: null };
  return { ...forensics, senderZone: comparison.evidence, flags: comparison.flag ? [...forensics.flags, comparison.flag] : forensics.flags };
}

/** The Date zones (null: none written) of up to MAX_ZONE_COMPARISONS verified messages from `sender`, `self` (a locator key in `dumpId`) aside. */
async function verifiedZonesOf(store: ZoneStore, dumpId: string, sender: string, self: string): Promise<(string | null)[]> {
  const dumps = [dumpId, ...(await store.listDumps()).map((dump) => dump.id).filter((id) => id !== dumpId)].slice(0, MAX_DUMPS_ASKED);
  const places: [string, string][] = [];
  for (const dump of dumps) {
    const wanted = MAX_ZONE_COMPARISONS - places.length;
    if (wanted <= 0) break;
    // One more than wanted: this message itself may be among them.
    const page = await store.listMessages(dump, { from: sender, verdict: 'verified', limit: wanted + 1 });
    for (const listed of page?.messages ?? []) {
      if (dump === dumpId && listed.locator === self) continue;
      if (places.length < MAX_ZONE_COMPARISONS) places.push([dump, listed.locator]);
    }
  }
  const records = await mapConcurrently(places, READS_IN_FLIGHT, ([dump, locator]) => store.getEntry(dump, locator));
  // A record that says verified now (the listing's index may lag a re-verification) and has forensics.
  return records.flatMap((entry) => (entry?.kind === 'message' && entry.verdict === 'verified' && entry.forensics ? [entry.forensics.date?.zone ?? null] : []));
}
