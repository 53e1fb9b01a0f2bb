import type { ExportFormat } from '../pipeline/export-lines.ts';
import type { ExportFilters } from '../pipeline/filtered-export.ts';

/**
 * One export of one dump. Its id is 128 random bits, so it cannot be guessed, and it names an export only under
 * its own dump: the same id asked for under another dump is no export.
 */
export interface ExportJob {
  dumpId: string;
  exportId: string;
  format: ExportFormat;
  /** The listing's filters the export honours (none: the whole dump). */
  filters?: ExportFilters;
}

/** How far an export has got: records and UTF-8 bytes written. */
export interface ExportProgress {
  records: number;
  bytes: number;
}

/** Where an export stands. Times are ISO 8601. */
export type ExportState =
  | { status: 'queued'; requestedAt: string }
  | ({ status: 'running'; requestedAt: string; updatedAt: string } & ExportProgress)
  | ({ status: 'done'; requestedAt: string; finishedAt: string; download: DeliveredExport } & ExportProgress)
  | { status: 'failed'; requestedAt: string; reason: string };

/** Where a finished export can be downloaded, and until when. */
export interface DeliveredExport {
  url: string;
  /** ISO 8601: the URL stops working then. */
  expiresAt: string;
}

/**
 * Exports for a host that cannot answer with a stream of any length (AWS: API Gateway waits at most 29 s and
 * buffers, Lambda answers at most 6 MB): an export is asked for, written elsewhere by a job of its own, and
 * followed through its state until it can be downloaded. Without one (`leakproof serve`) the export route
 * streams the lines itself.
 */
export interface ExportJobs {
  /** Records a new export of the dump as queued and hands it to whatever writes it. */
  start(dumpId: string, format: ExportFormat, filters?: ExportFilters): Promise<ExportJob>;
  /** The export's state (a finished one with a fresh download URL), or null when the dump has no export of that id. */
  state(dumpId: string, exportId: string): Promise<ExportState | null>;
}

/** The Content-Disposition of an export, streamed or delivered: a download under that name. */
export function attachment(filename: string): string {
  return `attachment; filename="${filename.replace(/["\\\r\n]/g, '_')}"`;
}

/** The name an export is downloaded under: the dump's id shortened, and the format. */
export function exportFilename(dumpId: string, format: ExportFormat): string {
  return `leakproof-${dumpId.slice(0, 12)}.${format}`;
}

/** The media type of each export format, streamed or delivered. */
export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};
