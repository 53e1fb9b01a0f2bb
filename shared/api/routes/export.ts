/**
 * GET /dumps/{id}/export: a dump's records as `leakproof export` writes them, byte for byte: streamed in the
 * response locally, or (AWS) written to S3 and answered with a 303 to a download URL.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { exportLines, type ExportFormat } from '../../pipeline/export-lines.ts';
import { attachment } from '../../ports/export-delivery.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { problemResponses } from '../problem.ts';
import { requireDump } from '../require-dump.ts';
import { DeliveredExportSchema, DumpParams, ExportQuerySchema, ExportRecordSchema } from '../schemas.ts';

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export const exportRoute = createRoute({
  method: 'get',
  path: '/dumps/{id}/export',
  tags: ['export'],
  summary: 'Every message of a dump, with verdict and evidence, as a download',
  description:
    'jsonl: one ExportRecord a line, every value exact. csv: the same columns, reasons joined by ";", signatures and history each as one JSON cell; ' +
    'a cell beginning with "=", "+", "-", "@", a tab or a CR (which a spreadsheet would run as a formula) is written after a "\'". ' +
    'Locally (`leakproof serve`) the file is streamed in the response as it is read (200). ' +
    'In AWS, where a response cannot be streamed, it is written to S3 as it is read and the answer is a 303 to a presigned download URL, valid 15 minutes, ' +
    'that serves the same bytes with the same content type and disposition.',
  request: { params: DumpParams, query: ExportQuerySchema },
  responses: {
    200: {
      description: 'The records, one per message and unreadable entry, in locator order.',
      headers: z.object({ 'content-disposition': z.string().openapi({ example: 'attachment; filename="leakproof-a3f5c0e1d2b4.jsonl"' }) }),
      content: {
        'application/x-ndjson': { schema: ExportRecordSchema.openapi({ description: 'Each line is one of these.' }) },
        'text/csv': { schema: z.string() },
      },
    },
    303: {
      description: 'The export was written whole; download it from `Location` (the same as `url`) before `expiresAt`.',
      headers: z.object({ location: z.string().openapi({ description: 'The download URL.' }) }),
      content: { 'application/json': { schema: DeliveredExportSchema } },
    },
    ...problemResponses(400, 401, 404, 500),
  },
});

export function registerExportRoutes(app: OpenAPIHono, { store, exportDelivery }: ApiDependencies): void {
  app.openapi(exportRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { format } = c.req.valid('query');
    await requireDump(store, id);
    const lines = exportLines(store.exportRecords(id), format);
    const contentType = EXPORT_CONTENT_TYPES[format];
    const filename = `leakproof-${id.slice(0, 12)}.${format}`;
    if (exportDelivery) {
      const delivered = await exportDelivery.deliver({ dumpId: id, format }, lines, contentType, filename);
      return c.json(delivered, 303, { location: delivered.url });
    }
    return c.body(ReadableStream.from(utf8(lines)), 200, { 'content-type': contentType, 'content-disposition': attachment(filename) });
  });
}

/** Text lines as bytes, pulled one at a time: the stream asks for more only as the client reads. */
async function* utf8(lines: AsyncIterable<string>): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for await (const line of lines) yield encoder.encode(line);
}
