/** POST /dumps/{id}/reverify: asks for a re-verification run of one dump (the reverifier does the work). */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDependencies } from '../dependencies.ts';
import { jsonContent } from '../json-content.ts';
import { problemResponses } from '../problem.ts';
import { requireDump } from '../require-dump.ts';
import { DumpParams, ReverifyReceiptSchema } from '../schemas.ts';

export const reverifyRoute = createRoute({
  method: 'post',
  path: '/dumps/{id}/reverify',
  tags: ['reverification'],
  summary: "Re-verify a dump's messages whose keys or rules changed",
  description:
    'Locally the run is done before the answer ("done"); in AWS the affected messages are queued to the workers ("queued"). ' +
    'Send `Content-Type: application/json` (the body may be empty): like every POST, it is refused without it.',
  request: { params: DumpParams },
  responses: { 202: jsonContent(ReverifyReceiptSchema, 'The run was done or queued.'), ...problemResponses(400, 401, 404, 415, 500) },
});

export function registerReverifyRoutes(app: OpenAPIHono, { store, reverifier }: ApiDependencies): void {
  app.openapi(reverifyRoute, async (c) => {
    const { id } = c.req.valid('param');
    await requireDump(store, id);
    return c.json(await reverifier.reverifyDump(id), 202);
  });
}
