import { documentClient } from '../../../../shared/adapters/aws/clients.ts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { DynamoVerdictStore } from '../../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { createLeakproofResources, startAwsEmulators, type AwsEmulators } from '../../../helpers/aws-emulators.ts';
import { verdictStoreContract } from '../../../helpers/verdict-store-contract.ts';

// One set of emulators for the file; each store gets tables of its own (selectors and postings span dumps).
let emulators: AwsEmulators;
let db: DynamoDBDocumentClient;
beforeAll(async () => {
  emulators = await startAwsEmulators();
  db = documentClient(emulators.dynamodb);
});
afterAll(() => emulators?.stop());

verdictStoreContract(async () => {
  const resources = await createLeakproofResources(emulators);
  return {
    store: new DynamoVerdictStore(db, { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable }),
    // The tables go with the emulators: they are in memory.
    async close() {},
  };
});
