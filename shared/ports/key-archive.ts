/** A DKIM key record as it was seen at some time: archive.zk.email's DkimRecord shape, plus where it came from. */
export interface ArchivedKey {
  domain: string;
  selector: string;
  /** The TXT record text, e.g. "v=DKIM1; k=rsa; p=MIIB...". */
  value: string;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  source: string | null;
}

/** The key archive port: every key ever seen, with when it was seen. Adapters: local SQLite, DynamoDB. */
export interface KeyArchive {
  /** All records archived for this selector, oldest first (a selector may have been rotated in place). */
  find(domain: string, selector: string): Promise<ArchivedKey[]>;
  /** Adds a record, or widens the first/last-seen window of the same (domain, selector, value). */
  record(key: ArchivedKey): Promise<void>;
}
