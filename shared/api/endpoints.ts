/**
 * Every request the router answers, in API Gateway's path syntax ({name}; {name+} takes the rest of the path):
 * infra/api.ts routes exactly these to the Lambda, each data route authorised for reading or for writing, so API
 * Gateway refuses anything else before it costs an invocation.
 */
import { OPENAPI_PATH } from './create-api.ts';
import { REPORT_PAGE_PATHS } from './report-page.ts';
import { fileSightingsRoute, getDocumentRoute, listDocumentsRoute } from './routes/documents.ts';
import { getDumpRoute, listDumpsRoute } from './routes/dumps.ts';
import { explanationsRoute } from './routes/explanations.ts';
import { exportRoute, exportStatusRoute } from './routes/export.ts';
import { importKeysRoute, listKeysRoute } from './routes/keys.ts';
import { messageOriginalRoute, messageViewRoute } from './routes/message-view.ts';
import { getMessageRoute, listMessagesRoute } from './routes/messages.ts';
import { reverifyRoute } from './routes/reverify.ts';
import { skippedFilesRoute } from './routes/skipped.ts';

export interface Endpoint {
  method: 'GET' | 'POST';
  path: string;
  /**
   * Who may call it. `public`: served without authorisation, since the page's static files, its sign-in settings
   * and the API description hold no data and a browser opening the page has no token yet (the page then signs in,
   * or is given a token, and sends it with every data call). `read`: the data routes that change nothing. `write`: those that change
   * the archive or verdicts (key imports, re-verification), which a JWT needs the write scope for.
   */
  access: 'public' | 'read' | 'write';
}

const DOCUMENTED = [listDumpsRoute, getDumpRoute, listMessagesRoute, getMessageRoute, messageViewRoute, messageOriginalRoute, explanationsRoute, listDocumentsRoute, getDocumentRoute, fileSightingsRoute, exportRoute, exportStatusRoute, skippedFilesRoute, listKeysRoute, importKeysRoute, reverifyRoute];

export const ENDPOINTS: readonly Endpoint[] = [
  // The API's GETs only read (an export's S3 object is a copy made for the caller); each POST changes state.
  ...DOCUMENTED.map((route): Endpoint => (route.method === 'post' ? { method: 'POST', path: route.path, access: 'write' } : { method: 'GET', path: route.path, access: 'read' })),
  { method: 'GET', path: OPENAPI_PATH, access: 'public' },
  { method: 'GET', path: REPORT_PAGE_PATHS.page, access: 'public' },
  { method: 'GET', path: REPORT_PAGE_PATHS.authConfig, access: 'public' },
  { method: 'GET', path: `${REPORT_PAGE_PATHS.files}{file+}`, access: 'public' },
];
