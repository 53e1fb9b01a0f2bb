import { describe, expect, it } from 'vitest';
import { summaryTable } from '../../../cli/summary-table.ts';
import type { DumpSummary } from '../../../shared/ports/verdict-store.ts';

const summary: DumpSummary = {
  dump: { id: 'd'.repeat(64), name: 'leak.zip', source: '/leak.zip', bytes: 2_000_000, status: 'complete', startedAt: '2025-01-01T00:00:00.000Z', finishedAt: null, located: 10, processed: 10, messages: 4, documents: 3, skipped: 2, errors: 1 },
  messages: 4,
  byVerdict: { verified: 3, failed: 1 },
  byReason: { 'body-hash-mismatch': 1 },
  signingDomains: [],
  documents: 3,
  byProvenance: { proven: 1, 'altered-copy': 1 },
  skipped: 2,
  errors: 1,
  senderDomains: [],
  months: [],
  undated: 0,
};

describe('summaryTable', () => {
  it('shows documents beside messages, by provenance (undecided ones under none), then skipped and errors', () => {
    const lines = summaryTable(summary).split('\n');
    const at = lines.findIndex((line) => line.startsWith('Total messages'));
    expect(lines.slice(at).map((line) => line.replace(/(\S) +/g, '$1 '))).toEqual([
      'Total messages 4',
      'Documents (not messages) 3',
      '  proven 1',
      '  altered-copy 1',
      'Skipped (not content) 2',
      'Errors (unreadable) 1',
    ]);
  });
});
