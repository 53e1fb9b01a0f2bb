import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AwsClients {
  s3: S3Client;
  sqs: SQSClient;
  dynamodb: DynamoDBDocumentClient;
}

/**
 * Attempts of one DynamoDB call, the first included. Under throttling (ProvisionedThroughputExceeded, on-demand
 * tables past a partition's 1,000 WCU/s or a table's sudden doubling) the SDK backs off with jitter between
 * them, and adaptive mode also slows this client's sending rate for as long as it keeps being throttled: ten
 * attempts ride out ~20 s of throttling (the SDK's backoff caps at 20 s a pause) before a call fails.
 */
export const DYNAMODB_MAX_ATTEMPTS = 10;

/**
 * The one way a DynamoDB client is made: adaptive retries on every call, whatever else the caller configures
 * (an endpoint, credentials). Tests build theirs here too, so what they exercise is what runs.
 */
export function dynamoDbClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ ...config, retryMode: 'adaptive', maxAttempts: DYNAMODB_MAX_ATTEMPTS });
}

/** Items as plain objects; an undefined field is left out rather than refused. */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * The SDK clients the handlers use, configured from the environment as the SDK does it (region, credentials,
 * AWS_ENDPOINT_URL_* for local emulators). LEAKPROOF_S3_PATH_STYLE=true addresses buckets by path, which S3
 * emulators need. Checksums only when an operation requires them: ranged GETs cannot be checked against a
 * whole-object checksum anyway, and emulators store streamed uploads with the SDK's default checksums corrupted.
 */
export function awsClients(env: NodeJS.ProcessEnv = process.env): AwsClients {
  return {
    s3: new S3Client({
      forcePathStyle: env.LEAKPROOF_S3_PATH_STYLE === 'true',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    sqs: new SQSClient({}),
    dynamodb: documentClient(dynamoDbClient()),
  };
}
