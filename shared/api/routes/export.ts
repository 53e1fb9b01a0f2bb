/** GET /dumps/{id}/export: a dump's records streamed as `leakproof export` writes them, byte for byte. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { exportLines, type ExportFormat } from '../../pipeline/export-lines.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { problemResponses } from '../problem.ts';
import { requireDump } from '../require-dump.ts';
import { DumpParams, ExportQuerySchema, ExportRecordSchema } from '../schemas.ts';

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
    'Streamed as it is read. jsonl: one ExportRecord a line. csv: the same columns, reasons joined by ";", signatures as one JSON cell. ' +
    'Behind API Gateway (AWS) a response is buffered and capped, so a dump whose export is over about 4 MiB is refused with a 501.',
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
    ...problemResponses(400, 401, 404, 500, 501),
  },
});

export function registerExportRoutes(app: OpenAPIHono, { store }: ApiDependencies): void {
  app.openapi(exportRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { format } = c.req.valid('query');
    await requireDump(store, id);
    const body = ReadableStream.from(utf8(exportLines(store.exportRecords(id), format)));
    return c.body(body, 200, {
      'content-type': EXPORT_CONTENT_TYPES[format],
      'content-disposition': `attachment; filename="leakproof-${id.slice(0, 12)}.${format}"`,
    });
  });
}

/** Text lines as bytes, pulled one at a time: the stream asks for more only as the client reads. */
async function* utf8(lines: AsyncIterable<string>): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for await (const line of lines) yield encoder.encode(line);
}
