/**
 * The HTTP API: one router, two hosts (functions/api.ts behind API Gateway, `leakproof serve` locally), the same
 * routes and JSON over whichever stores it is given. Requests are validated by the zod schemas in schemas.ts,
 * which also make the OpenAPI 3.1 document at GET /openapi.json; errors are RFC 9457 problems (problem.ts).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bearerAuth } from './bearer-auth.ts';
import type { ApiDependencies } from './dependencies.ts';
import { jsonBodiesOnly } from './json-bodies-only.ts';
import { errorHandler, routeNotFound, thrownAsError, validationHook } from './problem.ts';
import { registerReportPage, REPORT_PAGE_PATHS } from './report-page.ts';
import { responseLimit } from './response-limit.ts';
import { registerDocumentRoutes } from './routes/documents.ts';
import { registerDumpRoutes } from './routes/dumps.ts';
import { registerExplanationRoutes } from './routes/explanations.ts';
import { registerExportRoutes } from './routes/export.ts';
import { registerKeyRoutes } from './routes/keys.ts';
import { registerMessageViewRoutes } from './routes/message-view.ts';
import { registerMessageRoutes } from './routes/messages.ts';
import { registerReverifyRoutes } from './routes/reverify.ts';
import { registerSkippedRoutes } from './routes/skipped.ts';
import { KeyRecordInputSchema } from './schemas.ts';

export type { ApiDependencies } from './dependencies.ts';

export const OPENAPI_PATH = '/openapi.json';
export const API_VERSION = '1.0.0';

export function createApi(dependencies: ApiDependencies): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.onError(errorHandler(dependencies.log ?? logToStderr));
  app.notFound(routeNotFound);
  app.use('*', thrownAsError, noSniff);
  if (dependencies.maxResponseBytes !== undefined) app.use('*', responseLimit(dependencies.maxResponseBytes));
  if (dependencies.token) app.use('*', bearerAuth(dependencies.token, isPublic));
  app.use('*', jsonBodiesOnly);

  registerDumpRoutes(app, dependencies);
  registerMessageRoutes(app, dependencies);
  registerMessageViewRoutes(app, dependencies);
  registerExplanationRoutes(app);
  registerDocumentRoutes(app, dependencies);
  registerExportRoutes(app, dependencies);
  registerSkippedRoutes(app, dependencies);
  registerKeyRoutes(app, dependencies);
  registerReverifyRoutes(app, dependencies);
  registerReportPage(app, dependencies.signIn);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'Locally, the token `leakproof serve` was given (--token, $LEAKPROOF_TOKEN) or made and printed. In AWS, API Gateway authorises instead: ' +
      'IAM (SigV4), or a JWT whose scopes allow the route (reading, or writing for the POST routes), as the stack is deployed.',
  });
  app.openAPIRegistry.register('KeyRecordInput', KeyRecordInputSchema);
  // Made once, now: a schema the generator cannot render fails here rather than on a request.
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Leakproof',
      version: API_VERSION,
      description: 'DKIM verdicts, with their evidence, for the messages of leaked mailbox dumps.',
      license: { name: 'MIT' },
    },
    security: [{ bearer: [] }],
  });
  app.get(OPENAPI_PATH, (c) => c.json(document));
  return app;
}

/** What needs no token: the report page's files and sign-in settings (it asks for the token itself) and the API's description. */
function isPublic(method: string, path: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  return path === REPORT_PAGE_PATHS.page || path === REPORT_PAGE_PATHS.authConfig || path === OPENAPI_PATH || path.startsWith(REPORT_PAGE_PATHS.files);
}

/** Browsers must take a response for what its content type says (JSON, never HTML it might run). */
const noSniff: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set('x-content-type-options', 'nosniff');
};

function logToStderr(error: unknown): void {
  process.stderr.write(`leakproof api: a request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}
