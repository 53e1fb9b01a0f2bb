/** The route suite on DynamoDB (dynalite), over HTTP from the local server: the same router over the other store. */
import { createApi } from '../../../shared/api/create-api.ts';
import { listenLocally } from '../../../cli/commands/serve.ts';
import { httpClient, RecordingReverifier, seededDynamo } from './api-harness.ts';
import { apiRouteSuite } from './route-suite.ts';

const TOKEN = 'dynamo-route-suite-token';

apiRouteSuite(async (seed) => {
  const { store, keys, reference, close } = await seededDynamo(seed);
  const reverifier = new RecordingReverifier();
  const server = await listenLocally(createApi({ store, keys, reverifier, token: TOKEN }), 0);
  return {
    store,
    keys,
    token: TOKEN,
    reverifier,
    reachesUnknownPaths: true,
    exportJobs: null,
    referenceHome: reference.home,
    request: httpClient(server.url, TOKEN),
    async close() {
      await server.close();
      await close();
    },
  };
});
