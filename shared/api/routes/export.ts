/**
 * GET /dumps/{id}/export: a dump's records as `leakproof export` writes them, byte for byte. Locally the file is
 * streamed in the response (200). In AWS, where a response is cut off after 29 s and 6 MB, the export is a job:
 * 202 with the status resource in Location; GET /dumps/{id}/exports/{exportId} answers 202 with progress until
 * the file is written, then 303 to a presigned download URL, or a problem if the job failed.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { exportLines } from '../../pipeline/export-lines.ts';
import { exportRecordsMatching } from '../../pipeline/filtered-export.ts';
import { attachment, EXPORT_CONTENT_TYPES, exportFilename } from '../../ports/export-delivery.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { ApiProblem, notFound, PROBLEM_CONTENT_TYPE, problemResponse, problemResponses } from '../problem.ts';
import { requireDump } from '../require-dump.ts';
import { count, DumpId, DumpParams, ExportQuerySchema, ExportRecordSchema, isoTime, ProblemSchema } from '../schemas.ts';

const ExportId = z
  .string()
  .regex(/^[0-9a-f]{32}$/, 'expected an export id: 32 lower-case hex digits, as the export route gave it')
  .openapi({ param: { name: 'exportId', in: 'path' }, description: 'The id the export route gave (128 random bits, in hex).', example: '9f'.padEnd(32, '0') });
const ExportParams = z.object({ id: DumpId, exportId: ExportId });

/**
 * `redirect=false`: a written export answers 200 with the 303's body instead of the 303. For a browser's fetch,
 * which can neither read a redirect's body (`redirect: 'manual'` gives an opaque answer) nor follow one to S3
 * (another origin without CORS, and the API's Authorization header must not go there): the page reads the URL
 * from the body and hands it to the browser as a download.
 */
const ExportStatusQuery = z.object({
  redirect: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: '"false": a written export is a 200 with the download in the body (for a browser page), not a 303. Default "true".', example: 'false' }),
});

/** An export not yet written: the 202 of both routes. */
export const ExportStatusSchema = z
  .object({
    id: z.string().openapi({ description: 'The export id.' }),
    status: z.enum(['queued', 'running']),
    statusUrl: z.string().openapi({ description: 'Where to ask again (the same as `Location`), relative to the API.' }),
    requestedAt: isoTime,
    updatedAt: isoTime.nullable().openapi({ description: 'When the job last reported progress (null while queued).' }),
    records: count.openapi({ description: 'Records written so far.' }),
    bytes: count.openapi({ description: 'Bytes written so far.' }),
  })
  .openapi('ExportStatus');

/** A written export: the 303's body, its `url` also in `Location`. */
export const DeliveredExportSchema = z
  .object({
    url: z.string().openapi({ format: 'uri', description: 'A presigned GET URL: no other credentials needed, none to be sent.' }),
    expiresAt: isoTime.openapi({ description: 'When the URL stops working (15 minutes after this answer; ask again for a new one).' }),
    records: count,
    bytes: count,
    finishedAt: isoTime,
  })
  .openapi('DeliveredExport');

const RETRY_AFTER_SECONDS = '2';

const retryAfter = z.object({
  location: z.string().openapi({ description: 'The status resource: /dumps/{id}/exports/{exportId}.' }),
  'retry-after': z.string().openapi({ description: 'Seconds to wait before asking it.' }),
});

export const exportRoute = createRoute({
  method: 'get',
  path: '/dumps/{id}/export',
  tags: ['export'],
  summary: 'Every message of a dump (or those the listing\'s filters select), with verdict and evidence, as a download',
  description:
    'The listing\'s filters (verdict, reason, domain, from, after, before) select the same messages here. ' +
    'jsonl: one ExportRecord a line, every value exact. csv: the same columns, reasons joined by ";", signatures and history each as one JSON cell, then the evidence in words (explanation, signer, selector, keyBits, keySource, unsigned), then to and cc, then unsignedShown (the shown fields not signed, in words: "Subject, From"); ' +
    'a cell beginning with "=", "+", "-", "@", a tab or a CR (which a spreadsheet would run as a formula) is written after a "\'". ' +
    'Locally (`leakproof serve`) the file is streamed in the response as it is read: 200. ' +
    'In AWS, where API Gateway cuts a response off after 29 s, the export is written by a job of its own, whatever its size: the answer is a 202 ' +
    'whose `Location` is the export\'s status resource (GET /dumps/{id}/exports/{exportId}), which answers 303 to the file once it is written. ' +
    'A client handles both: follow a 202\'s Location until it redirects.',
  request: { params: DumpParams, query: ExportQuerySchema },
  responses: {
    200: {
      description: 'Locally: the records, one per message and unreadable entry, in locator order.',
      headers: z.object({ 'content-disposition': z.string().openapi({ example: 'attachment; filename="leakproof-a3f5c0e1d2b4.jsonl"' }) }),
      content: {
        'application/x-ndjson': { schema: ExportRecordSchema.openapi({ description: 'Each line is one of these.' }) },
        'text/csv': { schema: z.string() },
      },
    },
    202: {
      description: 'In AWS: the export is queued; follow `Location`.',
      headers: retryAfter,
      content: { 'application/json': { schema: ExportStatusSchema } },
    },
    ...problemResponses(400, 401, 404, 500),
  },
});

export const exportStatusRoute = createRoute({
  method: 'get',
  path: '/dumps/{id}/exports/{exportId}',
  tags: ['export'],
  summary: 'Where an export stands (AWS), and its download once written',
  description:
    'Only in AWS, where exports are jobs (locally every export is answered at once, and this is a 404). ' +
    'An export id is 128 random bits and names an export of its own dump only. The file is kept a day. ' +
    'A written export is a 303 to its presigned URL; with `redirect=false` a 200 with the same body, for a browser page that cannot read or follow the redirect.',
  request: { params: ExportParams, query: ExportStatusQuery },
  responses: {
    200: {
      description: 'Written whole, asked with `redirect=false`: the same body as the 303, without the redirect. Download `url` before `expiresAt`, as a navigation (it is another origin), without the API\'s credentials.',
      content: { 'application/json': { schema: DeliveredExportSchema } },
    },
    202: {
      description: 'Not written yet: queued, or running with the records and bytes written so far. Ask again after `Retry-After` seconds.',
      headers: retryAfter,
      content: { 'application/json': { schema: ExportStatusSchema } },
    },
    303: {
      description: 'Written whole: download it from `Location` (the same as `url`) before `expiresAt`, without the API\'s credentials (S3 refuses a request authorised twice).',
      headers: z.object({ location: z.string().openapi({ description: 'The download URL.' }) }),
      content: { 'application/json': { schema: DeliveredExportSchema } },
    },
    ...problemResponses(400, 401, 404),
    500: {
      description: 'The export failed (`detail` says how, without the cause, which is logged): ask for a new one. Or the server failed.',
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
    },
  },
});

export function registerExportRoutes(app: OpenAPIHono, { store, exportJobs }: ApiDependencies): void {
  app.openapi(exportRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { format, ...filters } = c.req.valid('query');
    await requireDump(store, id);
    if (exportJobs) {
      const job = await exportJobs.start(id, format, filters);
      const statusUrl = statusPath(id, job.exportId);
      const queued = { id: job.exportId, status: 'queued' as const, statusUrl, requestedAt: new Date().toISOString(), updatedAt: null, records: 0, bytes: 0 };
      return c.json(queued, 202, { location: statusUrl, 'retry-after': RETRY_AFTER_SECONDS });
    }
    const lines = exportLines(exportRecordsMatching(store, id, filters), format);
    return c.body(ReadableStream.from(utf8(lines)), 200, { 'content-type': EXPORT_CONTENT_TYPES[format], 'content-disposition': attachment(exportFilename(id, format)) });
  });

  app.openapi(exportStatusRoute, async (c) => {
    const { id, exportId } = c.req.valid('param');
    const { redirect } = c.req.valid('query');
    const state = exportJobs ? await exportJobs.state(id, exportId) : null;
    if (state === null) throw notFound(`no export ${exportId} of dump ${id}`);
    const statusUrl = statusPath(id, exportId);
    switch (state.status) {
      case 'queued':
      case 'running': {
        const progress = state.status === 'running' ? { updatedAt: state.updatedAt, records: state.records, bytes: state.bytes } : { updatedAt: null, records: 0, bytes: 0 };
        return c.json({ id: exportId, status: state.status, statusUrl, requestedAt: state.requestedAt, ...progress }, 202, { location: statusUrl, 'retry-after': RETRY_AFTER_SECONDS });
      }
      case 'done': {
        const body = { ...state.download, records: state.records, bytes: state.bytes, finishedAt: state.finishedAt };
        if (redirect === 'false') return c.json(body, 200);
        return c.json(body, 303, { location: state.download.url });
      }
      case 'failed':
        return problemResponse(new ApiProblem(500, `export ${exportId} failed: ${state.reason}`)) as never;
    }
  });
}

function statusPath(dumpId: string, exportId: string): string {
  return `/dumps/${dumpId}/exports/${exportId}`;
}

/** Text lines as bytes, pulled one at a time: the stream asks for more only as the client reads. */
async function* utf8(lines: AsyncIterable<string>): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for await (const line of lines) yield encoder.encode(line);
}
