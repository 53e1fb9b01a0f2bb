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

export type ExpectedEntry = ExpectedMessage | ExpectedSkipped | ExpectedError;

export interface ExpectedTotals {
  /** Every entry of the dump: messages + skipped + errors. */
  entries: number;
  /** Well-formed messages (the corrupt .eml is counted under errors, not here). */
  messages: number;
  skipped: number;
  errors: number;
  /** Sum of the messages' sizes: what the benchmark's MB/s are measured on. */
  messageBytes: number;
  /** Messages and errors by verdict; every verdict listed, zeros included. */
  byVerdict: Record<Verdict, number>;
  /** How many entries give each reason; every reason listed, zeros included. */
  byReason: Record<Reason, number>;
  byCase: Partial<Record<CaseId, number>>;
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
    skipped: 0,
    errors: 0,
    messageBytes: 0,
    byVerdict: Object.fromEntries(VERDICTS.map((verdict) => [verdict, 0])) as Record<Verdict, number>,
    byReason: Object.fromEntries(Object.values(REASONS).flat().map((reason) => [reason, 0])) as Record<Reason, number>,
    byCase: {},
  };

  add(entry: ExpectedEntry): void {
    this.entries.push(entry);
    const totals = this.totals;
    totals.entries++;
    if (entry.kind === 'skipped') {
      totals.skipped++;
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
