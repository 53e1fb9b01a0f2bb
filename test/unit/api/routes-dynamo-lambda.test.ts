/**
 * The route suite through the API Lambda (functions/api.ts) on DynamoDB (dynalite): each request an API Gateway
 * HTTP API event (payload format 2.0) for the route API Gateway would match, the handler wired from its
 * environment as in Lambda, its re-verifier the real AWS one (queueing on SQS, here fauxqs), its exports jobs on
 * the export queue (fauxqs), written to S3 (s3rver) by the export function (functions/export.ts) as Lambda's
 * event source mapping would run it; the suite follows the 202 to the 303 and the presigned URL.
 */
import { describe, expect, it, vi } from 'vitest';
import { ENDPOINTS } from '../../../shared/api/endpoints.ts';
import { messageKeyOf } from '../../../shared/api/message-key.ts';
import { drainQueue } from '../../helpers/event-source-mapping.ts';
import { httpApiEvent, lambdaContext } from '../../helpers/lambda-events.ts';
import { createExportQueue, lambdaClient, seededDynamo } from './api-harness.ts';
import { apiRouteSuite } from './route-suite.ts';
import { SIGNED_DUMP_ID } from './seed.ts';

apiRouteSuite(async (seed) => {
  const { resources, s3, sqs, store, keys, reference, close } = await seededDynamo(seed);
  const exportQueue = await createExportQueue(sqs);
  // The handlers wire their adapters from the environment, as in Lambda.
  Object.assign(process.env, resources.env, { EXPORT_QUEUE_URL: exportQueue.queueUrl, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_SERVICE_NAME: 'leakproof' });
  const { handler } = await import('../../../functions/api.ts');
  const exportFunction = (await import('../../../functions/export.ts')).handler;
  const runJobs = async () => {
    const run = await drainQueue({ sqs, ...exportQueue, handler: exportFunction, batchSize: 1, context: () => lambdaContext({ functionName: 'leakproof-export', timeoutMs: 900_000 }) });
    expect(run.failures).toBe(0);
  };
  return {
    store,
    keys,
    token: null,
    reverifier: null,
    reachesUnknownPaths: false,
    referenceHome: reference.home,
    exportJobs: { bucket: resources.bucket, s3, runJobs },
    request: lambdaClient(handler),
    close,
  };
});

describe("the function's log", () => {
  it('names each request by its route template and status, never by its path (dump ids, locators)', async () => {
    vi.resetModules();
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    const { handler } = await import('../../../functions/api.ts');
    const key = messageKeyOf('inbox/0001.eml');
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      const result = await handler(httpApiEvent({ url: `/dumps/${SIGNED_DUMP_ID}/messages/${key}`, routes: ENDPOINTS }), lambdaContext());
      expect(result).toMatchObject({ statusCode: 200 });
    } finally {
      spy.mockRestore();
      process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    }
    const entries = written.join('').trim().split('\n').map((line) => JSON.parse(line));
    expect(entries).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'request', route: 'GET /dumps/{id}/messages/{messageKey}', status: 200 }));
    expect(written.join('')).not.toContain(SIGNED_DUMP_ID);
    expect(written.join('')).not.toContain(key);
    expect(written.join('')).not.toContain('alice@');
  });
});
