/** The route suite on DynamoDB (dynalite), over HTTP from the local server: the same router over the other store. */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoKeyArchive } from '../../../shared/adapters/aws/dynamo-key-archive.ts';
import { DynamoVerdictStore } from '../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { createApi } from '../../../shared/api/create-api.ts';
import { listenLocally } from '../../../shared/cli/commands/serve.ts';
import { createLeakproofResources, startAwsEmulators } from '../../helpers/aws-emulators.ts';
import { httpClient, RecordingReverifier, seededHome } from './api-harness.ts';
import { apiRouteSuite } from './route-suite.ts';
import { seedStore } from './seed.ts';

const TOKEN = 'dynamo-route-suite-token';

apiRouteSuite(async (seed) => {
  const emulators = await startAwsEmulators();
  const resources = await createLeakproofResources(emulators);
  const db = DynamoDBDocumentClient.from(emulators.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const store = new DynamoVerdictStore(db, { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable });
  const keys = new DynamoKeyArchive(db, resources.keysTable);
  await seedStore(store, keys, seed, (dumpId, located) => store.finishSplitting(dumpId, located, new Date('2025-03-03T00:00:00.000Z')));
  const reference = await seededHome(seed);
  const reverifier = new RecordingReverifier();
  const server = await listenLocally(createApi({ store, keys, reverifier, token: TOKEN }), 0);
  return {
    store,
    keys,
    token: TOKEN,
    reverifier,
    reachesUnknownPaths: true,
    referenceHome: reference.home,
    request: httpClient(server.url, TOKEN),
    async close() {
      await server.close();
      await emulators.stop();
      reference.remove();
    },
  };
});
