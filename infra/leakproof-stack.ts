import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { UPLOADS_PREFIX } from '../shared/adapters/aws/settings.ts';
import { IngestPipeline } from './pipeline.ts';
import { DumpStorage } from './storage.ts';
import { VerdictTables } from './tables.ts';

export interface LeakproofStackProps extends StackProps {
  /** Most worker Lambdas the work queue may run at once (SQS event source maximum concurrency, 2–1000). */
  workerConcurrency?: number;
  /** Receives of a work message before it moves to the dead-letter queue. */
  maxReceiveCount?: number;
  /** How long the functions' logs are kept. */
  logRetention?: RetentionDays;
  /** Only archived keys, no live DNS lookups (LEAKPROOF_OFFLINE=true). */
  offline?: boolean;
}

const STACK_DEFAULTS = {
  workerConcurrency: 50,
  maxReceiveCount: 5,
  logRetention: RetentionDays.ONE_YEAR,
  offline: false,
} as const;

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The AWS deployment: a dump uploaded under uploads/ is split by one Lambda into work on SQS, verified by
 * worker Lambdas and recorded in DynamoDB. The same core (shared/) that `leakproof ingest` runs locally, through
 * the AWS adapters beside the local ones.
 */
export class LeakproofStack extends Stack {
  readonly storage: DumpStorage;
  readonly tables: VerdictTables;
  readonly pipeline: IngestPipeline;

  constructor(scope: Construct, id: string, props: LeakproofStackProps = {}) {
    super(scope, id, props);
    const workerConcurrency = props.workerConcurrency ?? STACK_DEFAULTS.workerConcurrency;
    const maxReceiveCount = props.maxReceiveCount ?? STACK_DEFAULTS.maxReceiveCount;
    if (!Number.isInteger(workerConcurrency) || workerConcurrency < 2 || workerConcurrency > 1000) {
      throw new Error(`workerConcurrency must be an integer from 2 to 1000, not ${workerConcurrency}`);
    }
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`maxReceiveCount must be an integer from 1 to 1000, not ${maxReceiveCount}`);
    }

    this.storage = new DumpStorage(this, 'Storage', { stagingExpiration: Duration.days(7) });
    this.tables = new VerdictTables(this, 'Tables');
    this.pipeline = new IngestPipeline(this, 'Pipeline', {
      bucket: this.storage.bucket,
      tables: this.tables,
      projectRoot: PROJECT_ROOT,
      workerConcurrency,
      maxReceiveCount,
      logRetention: props.logRetention ?? STACK_DEFAULTS.logRetention,
      offline: props.offline ?? STACK_DEFAULTS.offline,
    });

    const outputs: Record<string, string> = {
      DumpsBucket: this.storage.bucket.bucketName,
      UploadsPrefix: UPLOADS_PREFIX,
      WorkQueueUrl: this.pipeline.workQueue.queueUrl,
      DeadLetterQueueUrl: this.pipeline.deadLetterQueue.queueUrl,
      DumpsTable: this.tables.dumps.tableName,
      VerdictsTable: this.tables.verdicts.tableName,
      KeysTable: this.tables.keys.tableName,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}
