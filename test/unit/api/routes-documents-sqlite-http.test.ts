/** The document routes on the embedded store (SQLite), over HTTP from the local server, with the local MessageSource. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalHome } from '../../../shared/adapters/local/local-home.ts';
import { createApi } from '../../../shared/api/create-api.ts';
import { localMessageSource } from '../../../shared/reverify/local-message-source.ts';
import { listenLocally } from '../../../cli/commands/serve.ts';
import { httpClient, RecordingReverifier } from './api-harness.ts';
import { documentRouteSuite, seedDocumentDumps } from './document-route-suite.ts';

const TOKEN = 'document-route-suite-token';

documentRouteSuite(async () => {
  const root = mkdtempSync(join(tmpdir(), 'leakproof-document-routes-'));
  const local = openLocalHome(join(root, 'home'));
  await seedDocumentDumps(local.store, join(root, 'dumps'));
  const app = createApi({ store: local.store, keys: local.archive, reverifier: new RecordingReverifier(), messages: localMessageSource(local.store), token: TOKEN });
  const server = await listenLocally(app, 0);
  return {
    store: local.store,
    request: httpClient(server.url, TOKEN),
    async close() {
      await server.close();
      local.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
});
