import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { bearerAuthoriser, RemoteApi } from '../../../cli/remote-api.ts';
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

  it('reads a summary from a stack deployed before documents were counted: no documents rows, not zeros', async () => {
    // What such a stack answers: the summary and its dump without `documents`, and no `byProvenance`.
    const { documents: _documents, byProvenance: _byProvenance, ...older } = summary;
    const { documents: _counted, ...olderDump } = summary.dump;
    const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...older, dump: olderDump })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const read = await new RemoteApi(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, bearerAuthoriser('t')).summary(summary.dump.id);
      expect(read).not.toHaveProperty('byProvenance');
      const lines = summaryTable(read!).split('\n');
      const at = lines.findIndex((line) => line.startsWith('Total messages'));
      expect(lines.slice(at).map((line) => line.replace(/(\S) +/g, '$1 '))).toEqual(['Total messages 4', 'Skipped (not content) 2', 'Errors (unreadable) 1']);
    } finally {
      server.close();
    }
  });

  it('counts documents none of which is decided yet: the row, and no provenance under it', () => {
    const lines = summaryTable({ ...summary, byProvenance: {} }).split('\n');
    expect(lines.filter((line) => line.startsWith('  ')).map((line) => line.trim().split(/ +/)[0])).toEqual(['body-hash-mismatch']);
    expect(lines.some((line) => line.startsWith('Documents (not messages)'))).toBe(true);
  });
});
