/**
 * The route suite through the API Lambda (functions/api.ts) on DynamoDB (dynalite): each request an API Gateway
 * HTTP API event (payload format 2.0) for the route API Gateway would match, the handler wired from its
 * environment as in Lambda, its re-verifier the real AWS one (queueing on SQS, here fauxqs), its exports written
 * to S3 (s3rver) and answered with a 303 to a presigned URL, which the suite follows.
 */
import { describe, expect, it, vi } from 'vitest';
import { ENDPOINTS } from '../../../shared/api/endpoints.ts';
import { messageKeyOf } from '../../../shared/api/message-key.ts';
import { httpApiEvent, lambdaContext } from '../../helpers/lambda-events.ts';
import { lambdaClient, seededDynamo } from './api-harness.ts';
import { apiRouteSuite } from './route-suite.ts';
import { SIGNED_DUMP_ID } from './seed.ts';

apiRouteSuite(async (seed) => {
  const { resources, s3, store, keys, reference, close } = await seededDynamo(seed);
  // The handler wires its adapters from the environment, as in Lambda.
  Object.assign(process.env, resources.env, { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_SERVICE_NAME: 'leakproof' });
  const { handler } = await import('../../../functions/api.ts');
  return {
    store,
    keys,
    token: null,
    reverifier: null,
    reachesUnknownPaths: false,
    referenceHome: reference.home,
    exportBucket: { name: resources.bucket, s3 },
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
