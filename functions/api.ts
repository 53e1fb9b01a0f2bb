/**
 * The HTTP API Lambda: API Gateway's HTTP API (payload format 2.0) in front of the same router `leakproof serve`
 * runs (shared/api/create-api.ts), over the DynamoDB store and key archive. API Gateway authorises (IAM or a JWT,
 * as the stack says) and throttles before a request gets here, so the router is given no bearer token.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { awsAdapters, lazily } from '../shared/adapters/aws/aws-adapters.ts';
import { QueuedExports } from '../shared/adapters/aws/queued-exports.ts';
import { s3MessageSource } from '../shared/adapters/aws/s3-message-source.ts';
import { exportQueueUrlFromEnvironment } from '../shared/adapters/aws/settings.ts';
import { createApi } from '../shared/api/create-api.ts';
import { signInFromEnvironment } from '../shared/api/report-page.ts';

const logger = new Logger();

/**
 * Lambda returns at most 6 MB to API Gateway, counted as the JSON it sends: the body escaped plus headers. Exports
 * are jobs written to S3 by their own function (a 202, then a 303 to a presigned URL) and never come near it; a page of listed messages with very long header
 * fields could, and is then a 501 saying so rather than a failure in Lambda.
 */
export const MAX_RESPONSE_BYTES = 4 * 2 ** 20;

const api = lazily(() => {
  const adapters = awsAdapters();
  const app = createApi({
    store: adapters.store,
    keys: adapters.archive,
    reverifier: adapters.reverifier,
    messages: s3MessageSource(adapters.store, adapters.blobs),
    exportJobs: new QueuedExports(adapters.exports, adapters.clients.sqs, exportQueueUrlFromEnvironment()),
    signIn: signInFromEnvironment(),
    maxResponseBytes: MAX_RESPONSE_BYTES,
    log: (error) => (error instanceof Error ? logger.error('request failed', error) : logger.error('request failed', { error: String(error) })),
  });
  return handle(app);
});

export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  logger.addContext(context);
  const started = Date.now();
  // The same payload typed twice: Hono's LambdaEvent marks required what @types/aws-lambda leaves optional.
  const result = (await api()(event as unknown as LambdaEvent, context)) as Exclude<APIGatewayProxyResultV2, string>;
  // The route's template ("GET /dumps/{id}"), never the path: paths hold dump ids and message locators.
  logger.info('request', { route: event.routeKey, status: result.statusCode, ms: Date.now() - started });
  return result;
}

