/** A DKIM key record as it was seen at some time: archive.zk.email's DkimRecord shape, plus where it came from. */
export interface ArchivedKey {
  domain: string;
  selector: string;
  /** The TXT record text, e.g. "v=DKIM1; k=rsa; p=MIIB...". */
  value: string;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  source: string | null;
  /**
   * When the private key became known to others (published, or the key is factorable). A signature by it proves
   * nothing by itself for a message not shown to exist before then (see passReasons). Absent: not known to be.
   */
  compromisedAt?: string | null;
}

/** The key archive port: every key ever seen, with when it was seen. Adapters: local SQLite, DynamoDB. */
export interface KeyArchive {
  /** All records archived for this selector, oldest first (a selector may have been rotated in place). */
  find(domain: string, selector: string): Promise<ArchivedKey[]>;
  /** Every record of a domain (lower-case), by selector, then first seen. */
  findByDomain(domain: string): Promise<ArchivedKey[]>;
  /**
   * Adds a record, or widens the first/last-seen window of the same (domain, selector, value) and keeps the
   * earliest compromisedAt either one names.
   */
  record(key: ArchivedKey): Promise<void>;
}
