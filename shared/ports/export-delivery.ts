import type { ExportFormat } from '../pipeline/export-lines.ts';

/** Which export is being delivered: the object it becomes is named after it. */
export interface ExportName {
  dumpId: string;
  format: ExportFormat;
}

/** Where a delivered export can be downloaded, and until when. */
export interface DeliveredExport {
  url: string;
  /** ISO 8601: the URL stops working then. */
  expiresAt: string;
}

/**
 * Delivery of an export for a host that cannot stream a response (AWS: API Gateway buffers, Lambda answers at
 * most 6 MB): the lines are written somewhere a client can fetch them from, and the API answers with where.
 * Without one (`leakproof serve`) the export route streams the lines itself.
 */
export interface ExportDelivery {
  /**
   * Writes the lines, in order, as they come (never all held at once), as one download of that content type
   * and file name; resolves once it is whole. A failure to read the lines or to write them rejects, and
   * nothing is left to download.
   */
  deliver(name: ExportName, lines: AsyncIterable<string>, contentType: string, filename: string): Promise<DeliveredExport>;
}

/** The Content-Disposition of an export, streamed or delivered: a download under that name. */
export function attachment(filename: string): string {
  return `attachment; filename="${filename.replace(/["\\\r\n]/g, '_')}"`;
}
