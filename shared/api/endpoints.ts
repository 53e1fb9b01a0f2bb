/**
 * Every request the router answers, in API Gateway's path syntax ({name}; {name+} takes the rest of the path):
 * infra/api.ts routes exactly these to the Lambda, each data route authorised, so API Gateway refuses anything
 * else before it costs an invocation.
 */
import { OPENAPI_PATH } from './create-api.ts';
import { REPORT_PAGE_PATHS } from './report-page.ts';
import { getDumpRoute, listDumpsRoute } from './routes/dumps.ts';
import { exportRoute } from './routes/export.ts';
import { importKeysRoute, listKeysRoute } from './routes/keys.ts';
import { getMessageRoute, listMessagesRoute } from './routes/messages.ts';
import { reverifyRoute } from './routes/reverify.ts';

export interface Endpoint {
  method: 'GET' | 'POST';
  path: string;
  /**
   * Served without authorisation: the page's static files and the API description hold no data, and a browser
   * opening the page cannot sign with IAM; the page then sends the token it is given (JWT) with every data call.
   */
  public?: true;
}

const DOCUMENTED = [listDumpsRoute, getDumpRoute, listMessagesRoute, getMessageRoute, exportRoute, listKeysRoute, importKeysRoute, reverifyRoute];

export const ENDPOINTS: readonly Endpoint[] = [
  ...DOCUMENTED.map((route): Endpoint => ({ method: route.method === 'post' ? 'POST' : 'GET', path: route.path })),
  { method: 'GET', path: OPENAPI_PATH, public: true },
  { method: 'GET', path: REPORT_PAGE_PATHS.page, public: true },
  { method: 'GET', path: `${REPORT_PAGE_PATHS.files}{file+}`, public: true },
];
