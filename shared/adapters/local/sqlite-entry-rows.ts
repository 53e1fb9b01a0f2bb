import type { SQLInputValue } from 'node:sqlite';
import type { ArcEvidence } from '../../arc/contract.ts';
import type { AttachmentRecord, FileMetadata, ProvenanceEvidence } from '../../documents/contract.ts';
import type { MessageForensics } from '../../forensics/contract.ts';
import { messageIdentityOf } from '../../provenance/message-identity.ts';
import { locatorKey, type Locator } from '../../dump/entry.ts';
import { exportRecordOf } from '../../pipeline/entry-record.ts';
import {
  senderDomainOf,
  type DumpOverview,
  type DumpRecord,
  type DumpStatus,
  type EntryRecord,
  type ExportRecord,
  type MessageRecord,
  type UnsignedShownField,
} from '../../ports/verdict-store.ts';
import type { Reason, SignatureEvidence, Verdict, VerdictChange } from '../../verdict/contract.ts';
import { signingDomains } from '../../verdict/signing-domains.ts';

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
  'sender',
  'sender_domain',
  'rules_version',
  'history',
  'name',
  'name_key',
  'declared_type',
  'detected_type',
  'size',
  'metadata',
  'provenance',
  'provenance_value',
  'attachments',
  'attachments_note',
  'arc',
  'forensics',
  'identity',
  'to_header',
  'cc_header',
  'unsigned_shown',
] as const;

/** An `entries` row as read back (every column of ENTRY_COLUMNS). */
export interface EntryRow {
  dump_id: string;
  locator_key: string;
  /** The locator as JSON. */
  locator: string;
  kind: EntryRecord['kind'];
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
  sender: string | null;
  sender_domain: string | null;
  rules_version: number | null;
  history: string | null;
  name: string | null;
  name_key: string | null;
  declared_type: string | null;
  detected_type: string | null;
  size: number | null;
  metadata: string | null;
  provenance: string | null;
  provenance_value: string | null;
  attachments: string | null;
  attachments_note: string | null;
  arc: string | null;
  forensics: string | null;
  identity: string | null;
  to_header: string | null;
  cc_header: string | null;
  /** JSON: the shown fields not signed (UnsignedShownField[]); null before migration 7. */
  unsigned_shown: string | null;
}

type EntryColumn = (typeof ENTRY_COLUMNS)[number];

/** An entry as the positional values of one `entries` row; columns an entry of its kind has not stay null. */
export function entryRowValues(dumpId: string, entry: EntryRecord): SQLInputValue[] {
  const row: Partial<Record<EntryColumn, SQLInputValue>> = {
    dump_id: dumpId,
    locator_key: locatorKey(entry.locator),
    locator: JSON.stringify(entry.locator),
    kind: entry.kind,
  };
  switch (entry.kind) {
    case 'message':
      Object.assign(row, {
        sha256: entry.sha256,
        message_id: entry.messageId,
        from_header: entry.from,
        date_header: entry.date,
        subject: entry.subject,
        verdict: entry.verdict,
        reasons: JSON.stringify(entry.reasons),
        detail: entry.detail,
        verified_at: entry.verifiedAt,
        received_at: entry.receivedAt,
        signatures: JSON.stringify(entry.signatures),
        sender: entry.sender,
        sender_domain: senderDomainOf(entry.sender),
        rules_version: entry.rulesVersion,
        history: JSON.stringify(entry.history),
        attachments: JSON.stringify(entry.attachments),
        attachments_note: entry.attachmentsNote,
        arc: entry.arc === null ? null : JSON.stringify(entry.arc),
        forensics: entry.forensics === null ? null : JSON.stringify(entry.forensics),
        identity: messageIdentityOf(entry),
        to_header: entry.to,
        cc_header: entry.cc,
        unsigned_shown: entry.unsignedShown === null ? null : JSON.stringify(entry.unsignedShown),
      });
      break;
    case 'document':
      Object.assign(row, {
        sha256: entry.sha256,
        detail: entry.detail,
        name: entry.name,
        name_key: entry.name === null ? null : nameKey(entry.name),
        declared_type: entry.declaredType,
        detected_type: entry.detectedType,
        size: entry.size,
        metadata: entry.metadata === null ? null : JSON.stringify(entry.metadata),
        provenance: entry.provenance === null ? null : JSON.stringify(entry.provenance),
        provenance_value: entry.provenance?.provenance ?? null,
      });
      break;
    case 'skipped':
      row.detail = entry.reason;
      break;
    case 'error':
      Object.assign(row, { sha256: entry.sha256, detail: entry.detail });
      break;
  }
  return ENTRY_COLUMNS.map((column) => row[column] ?? null);
}

/** The `entry_signatures` columns after (dump_id, locator_key), in the order `signatureRowValues` binds them. */
export const SIGNATURE_COLUMNS = [
  'signature_index',
  'domain',
  'selector',
  'status',
  'key_record',
  'key_compromised_at',
] as const;

/**
 * A message's signatures as `entry_signatures` rows: those naming both d= and s=, each lower-cased (d= exactly
 * as signingDomains reads it), so a (domain, selector) finds every verdict its key took part in.
 */
export function signatureRowValues(message: MessageRecord): SQLInputValue[][] {
  const rows: SQLInputValue[][] = [];
  message.signatures.forEach((signature, index) => {
    const [domain] = signingDomains([signature]);
    const selector = signature.s?.trim().toLowerCase();
    if (domain === undefined || !selector) return;
    const { status, key } = signature;
    rows.push([index, domain, selector, status, key?.record ?? null, key?.compromisedAt ?? null]);
  });
  return rows;
}

/** An `entry_signatures` row joined to its message, as re-verification selects it. */
export interface SelectorUseRow {
  dump_id: string;
  locator_key: string;
  signature_index: number;
  verdict: string;
  rules_version: number | null;
  status: string;
  key_record: string | null;
  key_compromised_at: string | null;
}

/**
 * The stored entry a row holds. Messages stored before migration 2 read back with no history, sender or rules
 * version; before migration 4, with no attachments and no ARC or forensics evidence; before migration 6, with no
 * To or Cc (null); before migration 7, with unsignedShown null (not known).
 */
export function entryFromRow(row: EntryRow): EntryRecord {
  const locator = JSON.parse(row.locator) as Locator;
  if (row.kind === 'skipped') return { kind: 'skipped', locator, reason: row.detail as string };
  if (row.kind === 'error') return { kind: 'error', locator, sha256: row.sha256, detail: row.detail as string };
  if (row.kind === 'document') {
    return {
      kind: 'document',
      locator,
      name: row.name,
      declaredType: row.declared_type,
      detectedType: row.detected_type,
      size: row.size!,
      sha256: row.sha256!,
      metadata: parsedOrNull<FileMetadata>(row.metadata),
      detail: row.detail,
      provenance: parsedOrNull<ProvenanceEvidence>(row.provenance),
    };
  }
  return {
    kind: 'message',
    locator,
    sha256: row.sha256!,
    messageId: row.message_id,
    from: row.from_header,
    date: row.date_header,
    subject: row.subject,
    sender: row.sender,
    to: row.to_header,
    cc: row.cc_header,
    verdict: row.verdict as Verdict,
    reasons: JSON.parse(row.reasons ?? '[]') as Reason[],
    signatures: JSON.parse(row.signatures ?? '[]') as SignatureEvidence[],
    detail: row.detail,
    verifiedAt: row.verified_at!,
    receivedAt: row.received_at,
    rulesVersion: row.rules_version ?? 1,
    history: JSON.parse(row.history ?? '[]') as VerdictChange[],
    attachments: JSON.parse(row.attachments ?? '[]') as AttachmentRecord[],
    attachmentsNote: row.attachments_note,
    arc: parsedOrNull<ArcEvidence>(row.arc),
    forensics: parsedOrNull<MessageForensics>(row.forensics),
    unsignedShown: parsedOrNull<UnsignedShownField[]>(row.unsigned_shown),
  };
}

function parsedOrNull<T>(json: string | null): T | null {
  return json === null ? null : (JSON.parse(json) as T);
}

/** A file name as looked up: lower-cased whole (JavaScript's Unicode lower case; SQLite's lower() is ASCII only). */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** An exported row (kind 'message' or 'error') as the entry it stores, made public as every store makes it. */
export function exportRecordFromRow(row: EntryRow): ExportRecord {
  return exportRecordOf(row.dump_id, entryFromRow(row) as Extract<EntryRecord, { kind: 'message' | 'error' }>);
}

export interface DumpRow {
  id: string;
  name: string;
  source: string;
  bytes: number;
  status: string;
  started_at: string;
  finished_at: string | null;
  failure: string | null;
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
    ...(row.failure !== null ? { failure: row.failure } : {}),
  };
}

/** A dump with its entry counts. The local store counts what it stored, so everything located is processed. */
export function dumpOverviewOf(dump: DumpRecord, counts: { messages: number; documents: number; skipped: number; errors: number }): DumpOverview {
  const processed = counts.messages + counts.documents + counts.skipped + counts.errors;
  return { ...dump, located: processed, processed, ...counts };
}
