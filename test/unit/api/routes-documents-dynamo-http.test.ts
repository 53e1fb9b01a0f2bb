/** The document routes on DynamoDB (dynalite), over HTTP from the local server: the same router over the other store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentClient } from '../../../shared/adapters/aws/clients.ts';
import { DynamoKeyArchive } from '../../../shared/adapters/aws/dynamo-key-archive.ts';
import { DynamoVerdictStore } from '../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { createApi } from '../../../shared/api/create-api.ts';
import { localMessageSource } from '../../../shared/reverify/local-message-source.ts';
import { listenLocally } from '../../../cli/commands/serve.ts';
import { createLeakproofResources, startAwsEmulators } from '../../helpers/aws-emulators.ts';
import { httpClient, RecordingReverifier } from './api-harness.ts';
import { documentRouteSuite, seedDocumentDumps } from './document-route-suite.ts';

const TOKEN = 'document-route-suite-dynamo-token';

documentRouteSuite(async () => {
  const emulators = await startAwsEmulators();
  const resources = await createLeakproofResources(emulators);
  const db = documentClient(emulators.dynamodb);
  const store = new DynamoVerdictStore(db, { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable });
  const root = mkdtempSync(join(tmpdir(), 'leakproof-document-routes-dynamo-'));
  await seedDocumentDumps(store, root);
  // The dumps are folders on this machine: the local MessageSource reads them, over the DynamoDB store's records.
  const app = createApi({ store, keys: new DynamoKeyArchive(db, resources.keysTable), reverifier: new RecordingReverifier(), messages: localMessageSource(store), token: TOKEN });
  const server = await listenLocally(app, 0);
  return {
    store,
    request: httpClient(server.url, TOKEN),
    async close() {
      await server.close();
      await emulators.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
});
