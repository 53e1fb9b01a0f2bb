/** The route suite on the embedded store (SQLite), over HTTP from the local server as `leakproof serve` runs it. */
import { openLocalHome } from '../../../shared/adapters/local/local-home.ts';
import { createApi } from '../../../shared/api/create-api.ts';
import { listenLocally } from '../../../cli/commands/serve.ts';
import { httpClient, RecordingReverifier, seededHome } from './api-harness.ts';
import { apiRouteSuite } from './route-suite.ts';

const TOKEN = 'sqlite-route-suite-token';

apiRouteSuite(async (seed) => {
  const { home, remove } = await seededHome(seed);
  const local = openLocalHome(home);
  const reverifier = new RecordingReverifier();
  const server = await listenLocally(createApi({ store: local.store, keys: local.archive, reverifier, token: TOKEN }), 0);
  return {
    store: local.store,
    keys: local.archive,
    token: TOKEN,
    reverifier,
    reachesUnknownPaths: true,
    exportJobs: null,
    referenceHome: home,
    request: httpClient(server.url, TOKEN),
    async close() {
      await server.close();
      local.close();
      remove();
    },
  };
});
