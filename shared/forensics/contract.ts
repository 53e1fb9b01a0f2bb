/**
 * Time and header forensics of one message: evidence beside the verdict, never a change to it. Everything here
 * but the signed times is the sender's or a relay's say-so, forgeable by whoever wrote the message: it is what a
 * reader should weigh, not proof. Exported as-is (export, API): add, never rename.
 */
export interface MessageForensics {
  /**
   * Things a reader should look at twice, each one line, starting with a stable code and a colon
   * (FORENSIC_FLAGS), e.g. "date-far-from-signed-time: Date is 3.5 days before the signed time of d=example.com".
   */
  flags: string[];
  /** t= of every signature whose header signature holds: a timestamp the signer vouches for. */
  signedTimes: SignedTime[];
  /** The Date field (the bottom-most: the one a signature covers first). */
  date: DateEvidence | null;
  /** The Received chain, oldest hop (the first relay) first. */
  received: ReceivedEvidence;
  /** The host part of the Message-ID ("<x@mail.example.com>" → "mail.example.com"), lower-cased, or null. */
  messageIdHost: string | null;
  /**
   * Whether the Message-ID host is of the same organisation as the sending infrastructure (a signer's d=, the
   * first hop's from/by host); null when there is nothing to compare.
   */
  messageIdMatchesSender: boolean | null;
  /** X-Mailer, else User-Agent, as written (cut to MAX_FORENSIC_TEXT characters), or null. */
  mailer: string | null;
  /**
   * The Date's zone beside the zones of the same sender's verified messages: computed when read (the message
   * detail), never stored; absent in stored records and exports, null when there is no zone or sender to compare.
   */
  senderZone?: SenderZoneEvidence | null;
}

/** What the Date's zone was compared against (shared/forensics/sender-zone.ts). */
export interface SenderZoneEvidence {
  /** The Date's zone as an offset ("+0200"; "EST" read as "-0500"), or the name as written when it is no known one. */
  zone: string;
  /** The same sender's verified messages whose Date zone was read (at most MAX_ZONE_COMPARISONS), this one aside. */
  compared: number;
  /** The distinct zones among them (at most MAX_ZONES_SHOWN), most frequent first. */
  zones: string[];
  /** True when the zone is among them; null when none of them had a zone. */
  seen: boolean | null;
}

export interface SignedTime {
  /** The signature's place among the message's signatures (SignatureEvidence.index). */
  signature: number;
  d: string | null;
  /** t=, seconds since the epoch. */
  t: number;
  /** Date minus t=, in seconds (negative: the Date is earlier), or null without a readable Date. */
  dateOffsetSeconds: number | null;
}

export interface DateEvidence {
  /** As an ISO 8601 time, or null when it does not parse. */
  parsed: string | null;
  /** The zone as written: "+0200", "-0500", "GMT", "EST"…, or null. */
  zone: string | null;
}

export interface ReceivedEvidence {
  hops: ReceivedHop[];
  /** Received fields beyond MAX_HOPS, not read. */
  unread: number;
}

export interface ReceivedHop {
  /** The host named after "from" (the sending side), lower-cased, or null. */
  from: string | null;
  /** The host named after "by" (the receiving side), lower-cased, or null. */
  by: string | null;
  /** The date after the last ";" as an ISO 8601 time, or null. */
  at: string | null;
}

/** The codes a flag starts with. */
export const FORENSIC_FLAGS = [
  /** The Date field is more than a day from a verifying signature's t=. */
  'date-far-from-signed-time',
  /** A hop is dated earlier than the hop before it, beyond the clock-skew tolerance. */
  'hop-out-of-order',
  /** A hop is dated after the verification clock: a time that had not come yet. */
  'hop-in-future',
  /** The Date is more than a day earlier than the first hop. */
  'date-before-first-hop',
  /** Two consecutive hops are more than a day apart. */
  'hop-gap',
  /** The Message-ID host is of no organisation that signed or first relayed the message. */
  'message-id-host-mismatch',
  /** The sender has verified messages, none written in the Date's zone (computed when read, never stored). */
  'zone-unseen-for-sender',
] as const;
export type ForensicFlag = (typeof FORENSIC_FLAGS)[number];
