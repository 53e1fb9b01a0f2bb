import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * The AWS deployment: S3-triggered splitter, SQS fan-out to verifier Lambdas, DynamoDB verdicts, the HTTP API
 * and the re-verification schedule. The constructs arrive with the AWS pipeline issue; they wire the same core
 * (shared/) that `leakproof ingest` runs locally, through the AWS adapters beside the local ones.
 */
export class LeakproofStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
  }
}
