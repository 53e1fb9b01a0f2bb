import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AwsClients {
  s3: S3Client;
  sqs: SQSClient;
  dynamodb: DynamoDBDocumentClient;
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
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
  };
}
