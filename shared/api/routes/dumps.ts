/** GET /dumps and GET /dumps/{id}: what was ingested, how far it got, and a dump's summary. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDependencies } from '../dependencies.ts';
import { jsonContent } from '../json-content.ts';
import { notFound, problemResponses } from '../problem.ts';
import { DumpListSchema, DumpParams, DumpSummarySchema } from '../schemas.ts';

export const listDumpsRoute = createRoute({
  method: 'get',
  path: '/dumps',
  tags: ['dumps'],
  summary: 'Dumps, newest first, with status and progress',
  responses: { 200: jsonContent(DumpListSchema, 'Every dump, newest first.'), ...problemResponses(401, 500) },
});

export const getDumpRoute = createRoute({
  method: 'get',
  path: '/dumps/{id}',
  tags: ['dumps'],
  summary: "A dump's summary",
  description: 'Counts by verdict and by reason, top signing and sender domains, messages by month of their Date, status and times.',
  request: { params: DumpParams },
  responses: { 200: jsonContent(DumpSummarySchema, "The dump's summary."), ...problemResponses(400, 401, 404, 500) },
});

export function registerDumpRoutes(app: OpenAPIHono, { store }: ApiDependencies): void {
  app.openapi(listDumpsRoute, async (c) => c.json({ dumps: await store.listDumps() }, 200));

  app.openapi(getDumpRoute, async (c) => {
    const { id } = c.req.valid('param');
    const summary = await store.summary(id);
    if (!summary) throw notFound(`no dump ${id}`);
    return c.json(summary, 200);
  });
}
