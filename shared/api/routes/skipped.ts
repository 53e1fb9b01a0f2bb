/** GET /dumps/{id}/skipped: the files of a dump that were not content (folders' litter, images, empty files), with why. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { MAX_ENTRIES_WALKED, skippedFiles } from '../../pipeline/skipped-files.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { jsonContent } from '../json-content.ts';
import { notFound, problemResponses } from '../problem.ts';
import { count, DumpParams } from '../schemas.ts';

const SkippedQuery = z.object({
  limit: z.coerce.number().int('expected a whole number').min(1).max(100).default(20).openapi({ description: 'Files to list (1 to 100).' }),
});

export const SkippedFilesSchema = z
  .object({
    skipped: z
      .array(z.object({ locator: z.string(), reason: z.string().openapi({ description: 'Why it was skipped.' }) }).openapi('SkippedFile'))
      .nullable()
      .openapi({ description: `The first \`limit\` in locator order; null when the dump has over ${MAX_ENTRIES_WALKED} entries (no index lists skipped files: they are counted, not listed).` }),
    total: count.openapi({ description: 'How many files of the dump were skipped in all.' }),
  })
  .openapi('SkippedFiles');

export const skippedFilesRoute = createRoute({
  method: 'get',
  path: '/dumps/{id}/skipped',
  tags: ['dumps'],
  summary: "A dump's skipped files (not content), with why",
  description: 'What `leakproof summary` lists under "Skipped (not content)". Unreadable entries are listed with the messages (verdict "error").',
  request: { params: DumpParams, query: SkippedQuery },
  responses: { 200: jsonContent(SkippedFilesSchema, 'The skipped files, and how many there are.'), ...problemResponses(400, 401, 404, 500) },
});

export function registerSkippedRoutes(app: OpenAPIHono, { store }: ApiDependencies): void {
  app.openapi(skippedFilesRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { limit } = c.req.valid('query');
    const summary = await store.summary(id);
    if (!summary) throw notFound(`no dump ${id}`);
    const skipped = summary.skipped === 0 ? [] : await skippedFiles(store, id, summary.dump.processed, limit);
    return c.json({ skipped, total: summary.skipped }, 200);
  });
}
