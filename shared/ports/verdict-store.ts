import type { ArcEvidence } from '../arc/contract.ts';
import type { MessageForensics } from '../forensics/contract.ts';
import type { AttachmentRecord, FileFacts, FilePlace, Provenance, ProvenanceEvidence } from '../documents/contract.ts';
import type { Locator } from '../dump/entry.ts';
import type { MessageVerdict, Reason, SignatureEvidence, SignatureStatus, Verdict, VerdictChange } from '../verdict/contract.ts';

/**
 * `interrupted`: stopped part way, and resumed by running the same ingest again (locally) or by the split's next
 * delivery (AWS). `failed`: will not be completed without someone acting: its split gave up (see `failure`).
 */
export type DumpStatus = 'splitting' | 'processing' | 'complete' | 'interrupted' | 'failed';

export interface DumpRecord {
  /** SHA-256 of the dump's bytes (a folder: of its sorted file list), so the same dump is the same record. */
  id: string;
  name: string;
  /** Where it was read from (a local path, an S3 URI). */
  source: string;
  bytes: number;
  status: DumpStatus;
  startedAt: string;
  finishedAt: string | null;
  /** Why the dump failed: present only when status is `failed`. */
  failure?: string;
}

/** A dump with how far its processing has got: every located entry ends as a message, a document, skipped or an error. */
export interface DumpOverview extends DumpRecord {
  /** Entries found in the dump so far (null while the AWS splitter is still listing it). */
  located: number | null;
  /** Entries stored so far: messages + documents + skipped + errors. */
  processed: number;
  messages: number;
  /** Files of content that are not messages (see DocumentRecord). */
  documents: number;
  skipped: number;
  errors: number;
}

/** The headers a reader of a verdict wants to see beside it. Decoded for display, never used to verify. */
export interface MessageHeaders {
  messageId: string | null;
  /** The From field as people read it ("Alice <alice@example.com>"). */
  from: string | null;
  /** The Date field as an ISO 8601 time (null when missing or not a date). */
  date: string | null;
  subject: string | null;
  /** The first From address, lower-cased: what "by sender" and `from=` look at. */
  sender: string | null;
  /** The To field as people read it, every address ("Bob <bob@example.com>, carol@example.org"); null when absent or stored before it was kept. */
  to: string | null;
  /** The Cc field, as `to`. */
  cc: string | null;
}

/**
 * A displayed field whose shown instance (the top-most: display-fields.ts) no verifying signature covers, while
 * another header signature of the message verifies: "this Subject is not signed; mail clients show it".
 */
export type UnsignedShownField = 'from' | 'subject' | 'date' | 'to' | 'cc';

/** The sender's domain: the part of the address after the last "@". */
export function senderDomainOf(sender: string | null): string | null {
  const at = sender?.lastIndexOf('@') ?? -1;
  return sender && at >= 0 && at < sender.length - 1 ? sender.slice(at + 1) : null;
}

/** The month of a message's Date ("2017-05"), or null for a message without one. */
export function monthOf(date: string | null): string | null {
  return date === null ? null : date.slice(0, 7);
}

/**
 * One entry of a dump as stored: a message's verdict (with its attachments), a document (a file of content that
 * is not a message), a skipped entry (not content: folders' litter, empty files), or an unreadable entry.
 */
export type EntryRecord =
  | ({
      kind: 'message';
      locator: Locator;
      sha256: string;
      history: VerdictChange[];
      /** The message's file parts (records stored before attachments were inventoried read back as []). */
      attachments: AttachmentRecord[];
      /** Why `attachments` may be incomplete (a cap), or null. */
      attachmentsNote: string | null;
      /** The ARC chain's evidence (null: records stored before ARC was checked). */
      arc: ArcEvidence | null;
      /** Time and header forensics (null: records stored before they were gathered). */
      forensics: MessageForensics | null;
      /** The shown fields no verifying signature covers (null: records stored before it was computed). */
      unsignedShown: UnsignedShownField[] | null;
    } & MessageHeaders &
      MessageVerdict)
  | DocumentRecord
  | { kind: 'skipped'; locator: Locator; reason: string }
  | { kind: 'error'; locator: Locator; sha256: string | null; detail: string };

export type MessageRecord = Extract<EntryRecord, { kind: 'message' }>;

/** A loose file of a dump: what it is, and (once decided) what the store's signed mail proves of it. */
export type DocumentRecord = {
  kind: 'document';
  locator: Locator;
  /** Why its facts are incomplete (too large to read metadata from, damaged), or null. */
  detail: string | null;
  /** Null until decided (see settleProvenance); a detail read decides it afresh. */
  provenance: ProvenanceEvidence | null;
} & FileFacts;

/** Which of a dump's documents to list (every filter given must hold), in locator order. */
export interface DocumentQuery {
  provenance?: Provenance;
  /** A detected media type ("application/pdf"), or "unknown" for none. */
  type?: string;
  /** A file name, matched case-insensitively and whole. */
  name?: string;
  limit: number;
  cursor?: string;
}

/** One line of a document listing. */
export interface DocumentListing {
  locator: string;
  name: string | null;
  size: number;
  sha256: string;
  detectedType: string | null;
  provenance: Provenance | null;
}

export interface DocumentPage {
  documents: DocumentListing[];
  cursor: string | null;
}

/** What a file is looked up by across the store: its bytes, its name (lower-cased), or its document identity. */
export type FileKey = { sha256: string } | { name: string } | { documentId: string };

export interface DumpSummary {
  dump: DumpOverview;
  messages: number;
  byVerdict: Partial<Record<Verdict, number>>;
  byReason: Partial<Record<Reason, number>>;
  /** d= of signatures found, messages per domain, most first. */
  signingDomains: { domain: string; messages: number }[];
  /** Loose documents, and how many of them each provenance has (undecided ones are not counted there). */
  documents: number;
  byProvenance: Partial<Record<Provenance, number>>;
  skipped: number;
  /** Entries that could not be read (reader errors and parse errors). */
  errors: number;
  /** Domains of the first From address, messages per domain, most first. */
  senderDomains: { domain: string; messages: number }[];
  /** Messages by month of their Date field, oldest first, each split by verdict. */
  months: { month: string; byVerdict: Partial<Record<Verdict, number>> }[];
  /** Messages without a usable Date field. */
  undated: number;
}

/**
 * Which of a dump's messages to list. Every filter given must hold. Listings run in locator order (the
 * locator key's text order), whatever index serves them, so a cursor means the same on every path.
 */
export interface MessageQuery {
  verdict?: Verdict;
  reason?: Reason;
  /** A signing domain (d=, lower-case): messages with any signature by it. */
  domain?: string;
  /** A sender (lower-case): an address ("alice@example.com") or a domain ("example.com"). */
  from?: string;
  /** Date field at or after this ISO time. */
  after?: string;
  /** Date field before this ISO time. */
  before?: string;
  /**
   * Free text: every searchable word of it must start a word of the message's Subject, From or Message-ID,
   * case and diacritics aside (shared/search/search-words.ts). Text with no searchable word matches nothing.
   */
  q?: string;
  /** Listed in this order (ties by locator) instead of locator order; a store that cannot throws UnsupportedQueryError. */
  sort?: MessageSort;
  limit: number;
  /** From a previous page: where to carry on. Opaque to callers; a store rejects one it did not make (BadCursorError). */
  cursor?: string;
}

/** What a listing can be sorted by: the Date field, the sender address, the Subject (ASCII case aside), the verdict. */
export const MESSAGE_SORT_FIELDS = ['date', 'from', 'subject', 'verdict'] as const;
export type MessageSortField = (typeof MESSAGE_SORT_FIELDS)[number];

export interface MessageSort {
  by: MessageSortField;
  descending: boolean;
}

/** A query a store cannot serve from its indexes (a sort it has no index for). */
export class UnsupportedQueryError extends Error {
  /** The query parameter the store cannot serve. */
  readonly parameter: keyof MessageQuery;

  constructor(parameter: keyof MessageQuery, reason: string) {
    super(reason);
    this.name = 'UnsupportedQueryError';
    this.parameter = parameter;
  }
}

/** One line of a message listing: what a table of messages shows, without the evidence. */
export interface MessageListing {
  locator: string;
  verdict: Verdict;
  reasons: Reason[];
  messageId: string | null;
  from: string | null;
  sender: string | null;
  date: string | null;
  subject: string | null;
  signingDomains: string[];
  /** Of the fields shown (subject, from, to, cc, date), those whose shown value is not signed; null when unknown (stored before). */
  unsignedShown: UnsignedShownField[] | null;
}

export interface MessagePage {
  messages: MessageListing[];
  /** Pass it back for the next page; null on the last page. */
  cursor: string | null;
}

export class BadCursorError extends Error {
  constructor() {
    super('cursor is not one this store gave out');
    this.name = 'BadCursorError';
  }
}

/** One signature by a (domain, selector) in a stored message: what re-verification selects on. */
export interface SelectorUse {
  dumpId: string;
  locator: string;
  verdict: Verdict;
  rulesVersion: number;
  /** This signature's status when last verified. */
  status: SignatureStatus;
  /** The key record that checked it, and its compromisedAt as the archive said then (null: no key was used). */
  keyRecord: string | null;
  keyCompromisedAt: string | null;
}

/** One exported line: the public record of a message (see README "Export format"). */
export interface ExportRecord {
  dump: string;
  locator: string;
  sha256: string | null;
  messageId: string | null;
  from: string | null;
  date: string | null;
  subject: string | null;
  verdict: Verdict;
  reasons: Reason[];
  detail: string | null;
  verifiedAt: string | null;
  signatures: SignatureEvidence[];
  /** The rules version that computed the verdict (null for an unreadable entry). */
  rulesVersion: number | null;
  /** Verdicts re-verification replaced, oldest first, with when and why. */
  history: VerdictChange[];
  /** The ARC chain's evidence (null for an unreadable entry, or a record stored before ARC was checked). */
  arc: ArcEvidence | null;
  /** Time and header forensics (null for an unreadable entry, or a record stored before they were gathered). */
  forensics: MessageForensics | null;
  /** The To and Cc fields as people read them (null when absent, for an unreadable entry, or a record stored before they were kept). Added last: the record is a public format. */
  to: string | null;
  cc: string | null;
  /** The shown fields whose value no verifying signature covers (null: an unreadable entry, or stored before it was computed). Added last. */
  unsignedShown: UnsignedShownField[] | null;
}

/** The verdict store port. Adapters: local SQLite, DynamoDB. Writes are idempotent per (dump, locator). */
export interface VerdictStore {
  /** Creates the dump, or returns the stored one when the same dump is ingested again. */
  openDump(dump: Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'>, at: Date): Promise<DumpRecord>;
  /** Any status but `failed` (see markFailed); it clears a failure's reason. */
  setStatus(dumpId: string, status: Exclude<DumpStatus, 'failed'>, at: Date): Promise<void>;
  /**
   * The dump will not complete (its split gave up): status `failed` with the reason, finished at `at`. A complete
   * dump stays complete, and a failed one keeps its first reason: answers whether this call marked it. Opening the
   * dump again starts it over, as for an interrupted one. Throws for an unknown dump.
   */
  markFailed(dumpId: string, reason: string, at: Date): Promise<boolean>;
  /** Locator keys already stored for this dump: what an interrupted ingest can skip. */
  storedLocators(dumpId: string): Promise<Set<string>>;
  /**
   * A dump's skipped entries (not content), by locator key in locator order, at most `limit`, each with why. No
   * index lists them: it reads the dump's entries until it has `limit`, up to the whole dump (a caller bounds that:
   * shared/pipeline/skipped-files.ts).
   */
  listSkipped(dumpId: string, limit: number): Promise<{ locator: string; reason: string }[]>;
  putEntries(dumpId: string, entries: EntryRecord[]): Promise<void>;
  /** Newest first. */
  listDumps(): Promise<DumpOverview[]>;
  /** The newest dump when no id is given. */
  summary(dumpId?: string): Promise<DumpSummary | null>;
  exportRecords(dumpId?: string): AsyncIterable<ExportRecord>;

  /** A page of a dump's messages; null when there is no such dump. Served by indexes, never a scan of the store. */
  listMessages(dumpId: string, query: MessageQuery): Promise<MessagePage | null>;
  /** One stored entry by its locator key, with its full evidence and history. */
  getEntry(dumpId: string, locator: string): Promise<EntryRecord | null>;

  // Files and copies across the whole store: postings written with the entries, each lookup an index read.

  /** A page of a dump's documents; null when there is no such dump. */
  listDocuments(dumpId: string, query: DocumentQuery): Promise<DocumentPage | null>;
  /** Locator keys of a dump's documents (what settling provenance walks). */
  documentLocators(dumpId: string): AsyncIterable<string>;
  /** Stores a document's decided provenance (replacing any before), and moves the dump's counts by provenance. */
  setProvenance(dumpId: string, locator: string, evidence: ProvenanceEvidence): Promise<void>;
  /**
   * Every place in the store (any dump) holding a file by this key: documents and message attachments. For
   * `name` and `documentId` only attachments are posted (what a document is compared against).
   */
  filePlaces(key: FileKey): AsyncIterable<FilePlace>;
  /** Messages (any dump) with this identity (see messageIdentityOf), each with its verdict. */
  messagesWithIdentity(identity: string): AsyncIterable<{ dumpId: string; locator: string; verdict: Verdict }>;
  /**
   * Author and last-modifier names on the attachments of `verified` messages whose From is in this organisational
   * domain (capped, distinct): what an unseen author is judged against.
   */
  verifiedAuthors(organisation: string): Promise<string[]>;

  // Re-verification: selection by index, then replacement of the verdicts that changed.

  /** Every (domain, selector) that signed a stored message, each once. */
  seenSelectors(): AsyncIterable<{ domain: string; selector: string }>;
  /** The stored signatures by one (domain, selector) (lower-case), across all dumps or in one. */
  selectorUses(domain: string, selector: string, dumpId?: string): AsyncIterable<SelectorUse>;
  /** Dumps holding verdicts computed by a rules version older than `rulesVersion`. */
  dumpsBeforeRules(rulesVersion: number): Promise<string[]>;
  /** Locator keys of a dump's messages whose verdicts are older than `rulesVersion`. */
  messagesBeforeRules(dumpId: string, rulesVersion: number): AsyncIterable<string>;
  /**
   * Replaces stored messages with their re-verified records (history included) and moves the dump's counts
   * from the old verdicts to the new. Idempotent: `batchId` names the batch, and one already applied is not
   * counted again; a record equal to the stored one changes nothing.
   */
  replaceMessages(dumpId: string, records: MessageRecord[], batchId: string): Promise<void>;
}
