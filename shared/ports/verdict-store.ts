import type { Locator } from '../dump/entry.ts';
import type { MessageVerdict, Reason, SignatureEvidence, Verdict } from '../verdict/contract.ts';

export type DumpStatus = 'splitting' | 'processing' | 'complete' | 'interrupted';

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
}

/** The headers a reader of a verdict wants to see beside it. Decoded for display, never used to verify. */
export interface MessageHeaders {
  messageId: string | null;
  from: string | null;
  date: string | null;
  subject: string | null;
}

/** One entry of a dump as stored: a message's verdict, a skipped non-message, or an unreadable entry. */
export type EntryRecord =
  | ({ kind: 'message'; locator: Locator; sha256: string } & MessageHeaders & MessageVerdict)
  | { kind: 'skipped'; locator: Locator; reason: string }
  | { kind: 'error'; locator: Locator; sha256: string | null; detail: string };

export interface DumpSummary {
  dump: DumpRecord;
  messages: number;
  byVerdict: Partial<Record<Verdict, number>>;
  byReason: Partial<Record<Reason, number>>;
  /** d= of signatures found, messages per domain, most first. */
  signingDomains: { domain: string; messages: number }[];
  skipped: number;
  /** Entries that could not be read (reader errors and parse errors). */
  errors: number;
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
}

/** The verdict store port. Adapters: local SQLite, DynamoDB. Writes are idempotent per (dump, locator). */
export interface VerdictStore {
  /** Creates the dump, or returns the stored one when the same dump is ingested again. */
  openDump(dump: Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'>, at: Date): Promise<DumpRecord>;
  setStatus(dumpId: string, status: DumpStatus, at: Date): Promise<void>;
  /** Locator keys already stored for this dump: what an interrupted ingest can skip. */
  storedLocators(dumpId: string): Promise<Set<string>>;
  putEntries(dumpId: string, entries: EntryRecord[]): Promise<void>;
  listDumps(): Promise<DumpRecord[]>;
  /** The newest dump when no id is given. */
  summary(dumpId?: string): Promise<DumpSummary | null>;
  exportRecords(dumpId?: string): AsyncIterable<ExportRecord>;
}
