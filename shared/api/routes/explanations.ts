/** GET /explanations: every verdict, reason and provenance in one plain sentence, as the page, the CLI and the CSV word them. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { BODY_INTACT_HEADER_CHANGED, explanations } from '../../verdict/plain-language.ts';
import { jsonContent } from '../json-content.ts';
import { problemResponses } from '../problem.ts';
import { ExplanationsSchema } from '../view-schemas.ts';

export const explanationsRoute = createRoute({
  method: 'get',
  path: '/explanations',
  tags: ['explanations'],
  summary: 'Every verdict, reason and provenance in plain words',
  description: 'One sentence each, for a reporter: the same words as the message view, `leakproof show`, `leakproof summary` and the CSV export.',
  responses: { 200: jsonContent(ExplanationsSchema, 'The sentences, by name.'), ...problemResponses(401, 500) },
});

export function registerExplanationRoutes(app: OpenAPIHono): void {
  app.openapi(explanationsRoute, (c) => c.json({ ...explanations(), bodyIntactHeaderChanged: BODY_INTACT_HEADER_CHANGED }, 200));
}
