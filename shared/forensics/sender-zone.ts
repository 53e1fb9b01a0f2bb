/**
 * The Date's time zone beside the zones of the same sender's verified messages (issue 13 §4): a mail client
 * writes its machine's zone, so a message from a sender whose signed mail was always written in +0100/+0200 but
 * which says -0500 is worth a second look. Evidence only, never a verdict: people travel, and the Date is the
 * sender's (or a forger's) say-so. Pure: the caller reads the zones (sender-zones-in-store.ts).
 */
import type { ForensicFlag, SenderZoneEvidence } from './contract.ts';

/** Zones shown in the evidence, at most. */
export const MAX_ZONES_SHOWN = 8;

/** RFC 5322 §4.3 obsolete zone names and their offsets; "UT"/"GMT" are +0000. */
const NAMED_ZONES: Readonly<Record<string, string>> = {
  UT: '+0000', GMT: '+0000', UTC: '+0000', Z: '+0000',
  EST: '-0500', EDT: '-0400', CST: '-0600', CDT: '-0500', MST: '-0700', MDT: '-0600', PST: '-0800', PDT: '-0700',
};

/**
 * A zone as written, as something to compare: an offset ("+0200"), a known name as its offset, another name
 * upper-cased. Null for what says nothing of where it was written: "-0000" (RFC 5322: local zone unknown) and the
 * single-letter military zones but Z (RFC 5322: their meaning was mistaken so often it cannot be relied on).
 */
export function comparableZone(zone: string | null): string | null {
  if (zone === null) return null;
  if (/^[+-]\d{4}$/.test(zone)) return zone === '-0000' ? null : zone;
  const name = zone.toUpperCase();
  if (name in NAMED_ZONES) return NAMED_ZONES[name]!;
  return /^[A-Z]$/.test(name) ? null : name;
}

export interface ZoneComparison {
  evidence: SenderZoneEvidence;
  /** "zone-unseen-for-sender: …" when the sender's verified messages have zones and none is this one. */
  flag: string | null;
}

/**
 * Compares a message's Date zone with those of `compared` verified messages of its sender (their zones as
 * written, null when a Date had none). Null when the message has no comparable zone.
 */
export function compareSenderZone(zone: string | null, verifiedZones: readonly (string | null)[]): ZoneComparison | null {
  const own = comparableZone(zone);
  if (own === null) return null;
  const counts = new Map<string, number>();
  for (const other of verifiedZones) {
    const comparable = comparableZone(other);
    if (comparable !== null) counts.set(comparable, (counts.get(comparable) ?? 0) + 1);
  }
  const zones = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([seen]) => seen);
  const seen = counts.size === 0 ? null : counts.has(own);
  const evidence: SenderZoneEvidence = { zone: own, compared: verifiedZones.length, zones: zones.slice(0, MAX_ZONES_SHOWN), seen };
  if (seen !== false) return { evidence, flag: null };
  const code: ForensicFlag = 'zone-unseen-for-sender';
  const shown = zones.slice(0, MAX_ZONES_SHOWN).join(', ') + (zones.length > MAX_ZONES_SHOWN ? ', …' : '');
  const messages = verifiedZones.length === 1 ? 'the 1 verified message' : `${verifiedZones.length} verified messages`;
  return { evidence, flag: `${code}: the Date's zone ${own} is in none of ${messages} from this sender compared (their zones: ${shown})` };
}
