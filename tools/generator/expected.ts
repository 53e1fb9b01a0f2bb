import { PROVENANCES, type Provenance } from '../../shared/documents/contract.ts';
import { REASONS, VERDICTS, type Reason, type Verdict } from '../../shared/verdict/contract.ts';
import type { CaseId } from './cases.ts';
import type { WrittenLocation } from './writers/dump-writer.ts';

/**
 * expected.json: what a correct verifier must say about every entry of a generated dump, and the totals.
 * It is deterministic for a given seed and options (keys change between runs; verdicts do not).
 */
export interface ExpectedMessage extends WrittenLocation {
  kind: 'message';
  case: CaseId;
  verdict: Verdict;
  reasons: Reason[];
  messageId: string;
  /** The receipt time the verdict rules use (topmost Received), ISO 8601. */
  receivedAt: string;
  /** Size of the message as written (before mbox quoting). */
  bytes: number;
  /**
   * Set on a second copy of a message (same Message-ID): where the verified original is, and whether this copy
   * is byte-identical (`duplicate`) or differs (`variant`, e.g. an attachment swapped after signing).
   */
  copyOf?: { location: WrittenLocation; relation: 'duplicate' | 'variant'; description: string };
}

/** A loose file of content (not a message): its bytes, and the provenance a correct reader gives it. */
export interface ExpectedDocument extends WrittenLocation {
  kind: 'document';
  /** The media type its bytes show. */
  contentType: string;
  sha256: string;
  bytes: number;
  provenance: Provenance;
  /** Paths of the messages that decide the provenance: the carriers (proven, partially-proven) or the verified copy compared (altered-copy). */
  carriers: string[];
  description: string;
}

export interface ExpectedSkipped extends WrittenLocation {
  kind: 'skipped';
  /** What the file is, e.g. "application/pdf". */
  contentType: string;
}

/** An entry that is not a message although it is named like one: its verdict is `error` [parse-error]. */
export interface ExpectedError extends WrittenLocation {
  kind: 'error';
  verdict: 'error';
  reasons: ['parse-error'];
  description: string;
}

export type ExpectedEntry = ExpectedMessage | ExpectedDocument | ExpectedSkipped | ExpectedError;

export interface ExpectedTotals {
  /** Every entry of the dump: messages + documents + skipped + errors. */
  entries: number;
  /** Well-formed messages (the corrupt .eml is counted under errors, not here). */
  messages: number;
  /** Loose files of content (not messages, not folder litter). */
  documents: number;
  skipped: number;
  errors: number;
  /** Sum of the messages' sizes: what the benchmark's MB/s are measured on. */
  messageBytes: number;
  /** Messages and errors by verdict; every verdict listed, zeros included. */
  byVerdict: Record<Verdict, number>;
  /** How many entries give each reason; every reason listed, zeros included. */
  byReason: Record<Reason, number>;
  byCase: Partial<Record<CaseId, number>>;
  /** Documents by provenance; every provenance listed, zeros included. */
  byProvenance: Record<Provenance, number>;
}

export interface ExpectedDump {
  version: 1;
  generator: string;
  seed: string;
  format: string;
  /** The dump, relative to expected.json's folder. */
  dump: string;
  keys: string;
  options: Record<string, number | string>;
  totals: ExpectedTotals;
  entries: ExpectedEntry[];
}

export class ExpectedTally {
  readonly entries: ExpectedEntry[] = [];
  readonly totals: ExpectedTotals = {
    entries: 0,
    messages: 0,
    documents: 0,
    skipped: 0,
    errors: 0,
    messageBytes: 0,
    byVerdict: Object.fromEntries(VERDICTS.map((verdict) => [verdict, 0])) as Record<Verdict, number>,
    byReason: Object.fromEntries(Object.values(REASONS).flat().map((reason) => [reason, 0])) as Record<Reason, number>,
    byCase: {},
    byProvenance: Object.fromEntries(PROVENANCES.map((provenance) => [provenance, 0])) as Record<Provenance, number>,
  };

  add(entry: ExpectedEntry): void {
    this.entries.push(entry);
    const totals = this.totals;
    totals.entries++;
    if (entry.kind === 'skipped') {
      totals.skipped++;
      return;
    }
    if (entry.kind === 'document') {
      totals.documents++;
      totals.byProvenance[entry.provenance]++;
      return;
    }
    if (entry.kind === 'message') {
      totals.messages++;
      totals.messageBytes += entry.bytes;
      totals.byCase[entry.case] = (totals.byCase[entry.case] ?? 0) + 1;
    } else {
      totals.errors++;
    }
    totals.byVerdict[entry.verdict]++;
    for (const reason of entry.reasons) totals.byReason[reason]++;
  }
}

/** JSON with one entry a line: readable, and a committed example diffs line by line. */
export function renderExpected(dump: ExpectedDump): string {
  const { entries, ...head } = dump;
  const headText = JSON.stringify(head, null, 2);
  const lines = entries.map((entry) => `    ${JSON.stringify(entry)}`);
  return `${headText.slice(0, -2)},\n  "entries": [\n${lines.join(',\n')}\n  ]\n}\n`;
}
