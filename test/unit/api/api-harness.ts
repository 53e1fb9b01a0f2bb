/**
 * The API as the route suite sees it, whichever store is under it and whichever host serves it: requests in,
 * responses out, plus the stores themselves (to compare with) and a SQLite home holding the same seed (to run
 * `leakproof export` on). Hosts: the local server over real HTTP (@hono/node-server on 127.0.0.1, an ephemeral
 * port, as `leakproof serve` runs it) and the Lambda handler (functions/api.ts) called with API Gateway v2 events.
 */
import { documentClient } from '../../../shared/adapters/aws/clients.ts';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoKeyArchive } from '../../../shared/adapters/aws/dynamo-key-archive.ts';
import { DynamoVerdictStore } from '../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { openLocalHome } from '../../../shared/adapters/local/local-home.ts';
import { ENDPOINTS } from '../../../shared/api/endpoints.ts';
import type { KeyArchive } from '../../../shared/ports/key-archive.ts';
import type { KeyImpact, Reverifier, ReverifyReceipt } from '../../../shared/ports/reverifier.ts';
import type { VerdictStore } from '../../../shared/ports/verdict-store.ts';
import { createLeakproofResources, startAwsEmulators } from '../../helpers/aws-emulators.ts';
import { httpApiEvent, lambdaContext } from '../../helpers/lambda-events.ts';
import { seedStore, type Seed } from './seed.ts';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Leave the bearer token out (a host that has one adds it to every request otherwise). */
  withoutToken?: boolean;
}

export interface ApiUnderTest {
  store: VerdictStore;
  keys: KeyArchive;
  /** The bearer token the host asks for; null where API Gateway authorises instead (AWS). */
  token: string | null;
  /** The recording stand-in, or null where the host wires its real reverifier. */
  reverifier: RecordingReverifier | null;
  /** False behind API Gateway: a path no route matches is answered there, never reaching the router. */
  reachesUnknownPaths: boolean;
  /** A SQLite home holding the same seed: where `leakproof export` runs. */
  referenceHome: string;
  /**
   * Where the host runs exports as jobs (AWS: a 202, the job on the export queue writing an object in this
   * bucket, then a 303 to a presigned URL): a client that can look at the bucket, and `runJobs`, which plays the
   * export queue's event source mapping until it is empty. Null where exports are streamed (`leakproof serve`).
   */
  exportJobs: { bucket: string; s3: S3Client; runJobs(): Promise<void> } | null;
  request(method: string, url: string, options?: RequestOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

/**
 * A stand-in for the Reverifier port: it records what the API asked and answers in the port's shapes. The real
 * reverifiers (local runs, AWS queueing) are tested with the re-verification code (test/unit/reverify/).
 */
export class RecordingReverifier implements Reverifier {
  readonly dumps: string[] = [];
  readonly imports: { domain: string; selector: string }[][] = [];

  async reverifyDump(dumpId: string): Promise<ReverifyReceipt> {
    this.dumps.push(dumpId);
    return { dumpId, status: 'done', selected: 3, changed: 1 };
  }

  async keysImported(selectors: { domain: string; selector: string }[]): Promise<KeyImpact> {
    this.imports.push(selectors);
    return { affected: 2 * selectors.length, dumps: [], queued: false };
  }
}

/** Requests over HTTP to a server listening at `url`, with the token unless told not to. */
export function httpClient(url: string, token: string | null) {
  return async (method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...(token && !options.withoutToken ? { authorization: `Bearer ${token}` } : {}), ...options.headers };
    const response = await fetch(new URL(path, url), { method, headers, ...(options.body !== undefined ? { body: options.body } : {}) });
    const body = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body, text: body.toString('utf8') };
  };
}

type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** Requests as API Gateway hands them to the function: only the API's routes, as payload format 2.0 events. */
export function lambdaClient(handler: LambdaHandler) {
  return async (method: string, url: string, options: RequestOptions = {}): Promise<ApiResponse> => {
    const event = httpApiEvent({ method, url, routes: ENDPOINTS, ...(options.headers ? { headers: options.headers } : {}), ...(options.body !== undefined ? { body: options.body } : {}) });
    const result = await handler(event, lambdaContext({ functionName: 'leakproof-api', timeoutMs: 29_000 }));
    if (typeof result === 'string') throw new Error('the API handler must answer with a structured result, not a bare string');
    const headers = new Headers();
    for (const [name, value] of Object.entries(result.headers ?? {})) headers.set(name, String(value));
    for (const cookie of result.cookies ?? []) headers.append('set-cookie', cookie);
    const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    return { status: result.statusCode ?? 200, headers, body, text: body.toString('utf8') };
  };
}

/** A SQLite home with the seed in it; removed by the returned function. */
export async function seededHome(seed: Seed): Promise<{ home: string; remove(): void }> {
  const home = mkdtempSync(join(tmpdir(), 'leakproof-api-'));
  const local = openLocalHome(home);
  try {
    await seedStore(local.store, local.archive, seed, (dumpId) => local.store.setStatus(dumpId, 'complete', new Date('2025-03-03T00:00:00.000Z')));
  } finally {
    local.close();
  }
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}

/** The AWS emulators, with the seed in their DynamoDB tables, and the same seed in a SQLite home to compare with. */
export async function seededDynamo(seed: Seed) {
  const emulators = await startAwsEmulators();
  const resources = await createLeakproofResources(emulators);
  const db = documentClient(emulators.dynamodb);
  const store = new DynamoVerdictStore(db, { dumps: resources.dumpsTable, verdicts: resources.verdictsTable, postings: resources.postingsTable });
  const keys = new DynamoKeyArchive(db, resources.keysTable);
  await seedStore(store, keys, seed, (dumpId, located) => store.finishSplitting(dumpId, located, new Date('2025-03-03T00:00:00.000Z')));
  const reference = await seededHome(seed);
  return {
    resources,
    s3: emulators.s3,
    sqs: emulators.sqs,
    store,
    keys,
    reference,
    async close() {
      await emulators.stop();
      reference.remove();
    },
  };
}

/**
 * The export queue, as infra/api.ts makes it (its dead-letter queue aside: the runner never fails a delivery for
 * its export's own sake), on the SQS emulator.
 */
export async function createExportQueue(sqs: SQSClient): Promise<{ queueUrl: string; queueArn: string }> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: `leakproof-exports-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` }));
  const queueUrl = created.QueueUrl!;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return { queueUrl, queueArn: Attributes!.QueueArn! };
}
