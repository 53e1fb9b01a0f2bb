/**
 * The export formats, as lines of text: what `leakproof export` writes and what GET /dumps/{id}/export streams,
 * from one implementation, so the two are the same bytes.
 */
import { stringify } from 'csv-stringify';
import { once } from 'node:events';
import type { FileExportRecord } from '../provenance/file-export.ts';
import type { ExportRecord } from '../ports/verdict-store.ts';
import { unsignedShownText } from '../verdict/plain-language.ts';
import { readableEvidence } from './readable-evidence.ts';

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * The message CSV's columns: the record's (README "Export format"), then the evidence in words (readable-evidence.ts),
 * then To and Cc, then which shown values are not signed ("Subject, From"), each group added at the end so that a
 * sheet reading the first columns by position still reads them (the JSON record's to, cc and unsignedShown are last
 * for the same reason).
 */
export const CSV_COLUMNS = [
  ...['dump', 'locator', 'sha256', 'messageId', 'from', 'date', 'subject', 'verdict', 'reasons', 'detail', 'verifiedAt', 'signatures', 'rulesVersion', 'history', 'arc', 'forensics'],
  ...['explanation', 'signer', 'selector', 'keyBits', 'keySource', 'unsigned'],
  ...['to', 'cc'],
  'unsignedShown',
] as const;

export function exportLines(records: AsyncIterable<ExportRecord>, format: ExportFormat): AsyncGenerator<string> {
  return format === 'csv' ? csvLines(records) : jsonLines(records);
}

/** The columns of `leakproof export --documents --format csv`, in FileExportRecord's order. */
export const FILE_CSV_COLUMNS = [
  'dump',
  'kind',
  'locator',
  'mimePath',
  'name',
  'declaredType',
  'detectedType',
  'size',
  'sha256',
  'provenance',
  'reasons',
  'verdict',
  'messageId',
  'from',
  'date',
  'subject',
  'coveredBy',
  'metadata',
  'evidence',
] as const;

/** One record per document and per attachment (README "Export format"), as JSON lines or CSV like the messages'. */
export function fileExportLines(records: AsyncIterable<FileExportRecord>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'jsonl') return jsonLines(records);
  return csvRows(records, FILE_CSV_COLUMNS, (record) => ({
    ...record,
    reasons: record.reasons.join(';'),
    coveredBy: record.coveredBy.join(';'),
    metadata: record.metadata === null ? null : JSON.stringify(record.metadata),
    evidence: JSON.stringify(record.evidence),
  }));
}

/** One JSON object a line, fields in the record's order. */
export async function* jsonLines(records: AsyncIterable<object>): AsyncGenerator<string> {
  for await (const record of records) yield JSON.stringify(record) + '\n';
}

/**
 * CSV for spreadsheets: the evidence in words in the last columns (readableEvidence); reasons joined by ";", the signature evidence, the history, the ARC evidence and the
 * forensics each as one JSON cell (empty when there are none).
 * Subjects, From fields, details and locators are the dump's (hostile) text, and a spreadsheet runs a cell that
 * begins with "=", "+", "-", "@", a tab or a CR as a formula: such a cell is written with a "'" before it (OWASP's
 * advice for CSV injection, csv-stringify's escape_formulas; also the full-width ＝ ＋ － ＠), which the
 * spreadsheet shows as text. The JSON lines carry every value exactly.
 */
export function csvLines(records: AsyncIterable<ExportRecord>): AsyncGenerator<string> {
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  return csvRows(records, CSV_COLUMNS, (record) => ({
    ...record,
    ...readableEvidence(record),
    reasons: record.reasons.join(';'),
    signatures: JSON.stringify(record.signatures),
    history: JSON.stringify(record.history),
    arc: json(record.arc),
    forensics: json(record.forensics),
    unsignedShown: unsignedShownText(record.unsignedShown),
  }));
}

/** CSV with a header line, each record made a row by `cells`, formula-like cells escaped (see csvLines). */
async function* csvRows<T>(records: AsyncIterable<T>, columns: readonly string[], cells: (record: T) => object): AsyncGenerator<string> {
  const csv = stringify({ header: true, columns: [...columns], escape_formulas: true });
  const output: string[] = [];
  csv.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  for await (const record of records) {
    csv.write(cells(record));
    yield* output.splice(0);
  }
  csv.end();
  await once(csv, 'end');
  yield* output.splice(0);
}
