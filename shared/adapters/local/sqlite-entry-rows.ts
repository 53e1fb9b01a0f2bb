import type { SQLInputValue } from 'node:sqlite';
import { locatorKey, type Locator } from '../../dump/entry.ts';
import { exportRecordOf } from '../../pipeline/entry-record.ts';
import type { DumpRecord, DumpStatus, EntryRecord, ExportRecord } from '../../ports/verdict-store.ts';
import type { Reason, SignatureEvidence, Verdict } from '../../verdict/contract.ts';

/** The `entries` columns an upsert writes, in the order `entryRowValues` binds them. */
export const ENTRY_COLUMNS = [
  'dump_id',
  'locator_key',
  'locator',
  'kind',
  'sha256',
  'message_id',
  'from_header',
  'date_header',
  'subject',
  'verdict',
  'reasons',
  'detail',
  'verified_at',
  'received_at',
  'signatures',
] as const;

/** An entry as the positional values of one `entries` row. */
export function entryRowValues(dumpId: string, entry: EntryRecord): SQLInputValue[] {
  const key = locatorKey(entry.locator);
  const locator = JSON.stringify(entry.locator);
  switch (entry.kind) {
    case 'message':
      return [
        dumpId,
        key,
        locator,
        'message',
        entry.sha256,
        entry.messageId,
        entry.from,
        entry.date,
        entry.subject,
        entry.verdict,
        JSON.stringify(entry.reasons),
        entry.detail,
        entry.verifiedAt,
        entry.receivedAt,
        JSON.stringify(entry.signatures),
      ];
    case 'skipped':
      return [dumpId, key, locator, 'skipped', null, null, null, null, null, null, null, entry.reason, null, null, null];
    case 'error':
      return [dumpId, key, locator, 'error', entry.sha256, null, null, null, null, null, null, entry.detail, null, null, null];
  }
}

export interface DumpRow {
  id: string;
  name: string;
  source: string;
  bytes: number;
  status: string;
  started_at: string;
  finished_at: string | null;
}

export function dumpFromRow(row: DumpRow): DumpRecord {
  return {
    id: row.id,
    name: row.name,
    source: row.source,
    bytes: row.bytes,
    status: row.status as DumpStatus,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** The columns the export reads (kind 'message' or 'error'; skipped entries are never exported). */
export interface ExportRow {
  dump_id: string;
  /** The locator as JSON. */
  locator: string;
  kind: 'message' | 'error';
  sha256: string | null;
  message_id: string | null;
  from_header: string | null;
  date_header: string | null;
  subject: string | null;
  verdict: string | null;
  reasons: string | null;
  detail: string | null;
  verified_at: string | null;
  received_at: string | null;
  signatures: string | null;
}

/** An exported row as the entry it stores, made public as every store makes it (exportRecordOf). */
export function exportRecordFromRow(row: ExportRow): ExportRecord {
  const locator = JSON.parse(row.locator) as Locator;
  if (row.kind === 'error') return exportRecordOf(row.dump_id, { kind: 'error', locator, sha256: row.sha256, detail: row.detail as string });
  return exportRecordOf(row.dump_id, {
    kind: 'message',
    locator,
    sha256: row.sha256!,
    messageId: row.message_id,
    from: row.from_header,
    date: row.date_header,
    subject: row.subject,
    verdict: row.verdict as Verdict,
    reasons: JSON.parse(row.reasons ?? '[]') as Reason[],
    detail: row.detail,
    verifiedAt: row.verified_at!,
    receivedAt: row.received_at,
    signatures: JSON.parse(row.signatures ?? '[]') as SignatureEvidence[],
  });
}
