import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { UPLOADS_PREFIX } from '../shared/adapters/aws/settings.ts';
import { STACK_OUTPUTS } from '../shared/adapters/aws/stack-outputs.ts';
import { functionsOf, PipelineAlarms } from './alarms.ts';
import { API_DEFAULTS, LeakproofApi, type ApiAuthorisation } from './api.ts';
import { IngestPipeline } from './pipeline.ts';
import { DEFAULT_REVERIFY_SCHEDULE, Reverification } from './reverification.ts';
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
  /** When re-verification runs: an EventBridge schedule expression (default "rate(1 day)"). */
  reverifySchedule?: string;
  /** Who may call the HTTP API: JWTs from a Cognito user pool the stack makes (default) or from an issuer, or IAM only. */
  apiAuthorisation?: ApiAuthorisation;
  /** The HTTP API's steady requests per second (default 20) and burst (default 40), across all callers. */
  apiRateLimit?: number;
  apiBurstLimit?: number;
  /** An e-mail address told when an alarm goes off or clears (subscribed to the alarm topic). */
  alarmEmail?: string;
  /**
   * How many of the sorted listings' indexes the verdicts table has (0–4, default all): CloudFormation adds one
   * index to a table per deployment, so a stack deployed before them is brought up one at a time (README).
   */
  sortedListingIndexes?: number;
}

const STACK_DEFAULTS = {
  workerConcurrency: 50,
  maxReceiveCount: 5,
  logRetention: RetentionDays.ONE_YEAR,
  offline: false,
  reverifySchedule: DEFAULT_REVERIFY_SCHEDULE,
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
  readonly reverification: Reverification;
  readonly api: LeakproofApi;
  readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, props: LeakproofStackProps = {}) {
    super(scope, id, props);
    const workerConcurrency = props.workerConcurrency ?? STACK_DEFAULTS.workerConcurrency;
    const maxReceiveCount = props.maxReceiveCount ?? STACK_DEFAULTS.maxReceiveCount;
    requireIntegerIn('workerConcurrency', workerConcurrency, 2, 1000);
    requireIntegerIn('maxReceiveCount', maxReceiveCount, 1, 1000);

    this.storage = new DumpStorage(this, 'Storage', { stagingExpiration: Duration.days(7), exportExpiration: Duration.days(1) });
    this.tables = new VerdictTables(this, 'Tables', { sortedListingIndexes: props.sortedListingIndexes });
    this.pipeline = new IngestPipeline(this, 'Pipeline', {
      bucket: this.storage.bucket,
      tables: this.tables,
      projectRoot: PROJECT_ROOT,
      workerConcurrency,
      maxReceiveCount,
      logRetention: props.logRetention ?? STACK_DEFAULTS.logRetention,
      offline: props.offline ?? STACK_DEFAULTS.offline,
    });

    this.reverification = new Reverification(this, 'Reverification', {
      bucket: this.storage.bucket,
      tables: this.tables,
      workQueue: this.pipeline.workQueue,
      handlerDefaults: this.pipeline.handlerDefaults,
      schedule: props.reverifySchedule ?? STACK_DEFAULTS.reverifySchedule,
    });

    const apiRateLimit = props.apiRateLimit ?? API_DEFAULTS.rateLimit;
    const apiBurstLimit = props.apiBurstLimit ?? API_DEFAULTS.burstLimit;
    // API Gateway's own account-wide ceilings: 10,000 requests a second, bursts of 5,000.
    requireIntegerIn('apiRateLimit', apiRateLimit, 1, 10_000);
    requireIntegerIn('apiBurstLimit', apiBurstLimit, 1, 5_000);
    this.api = new LeakproofApi(this, 'Api', {
      bucket: this.storage.bucket,
      tables: this.tables,
      reverification: this.reverification,
      handlerDefaults: this.pipeline.handlerDefaults,
      authorisation: props.apiAuthorisation ?? API_DEFAULTS.authorisation,
      throttle: { rateLimit: apiRateLimit, burstLimit: apiBurstLimit },
    });

    // Last: it watches every function the stack has by now.
    const { environment } = this.pipeline.handlerDefaults;
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      deadLetterQueues: {
        DeadLetterQueue: this.pipeline.deadLetterQueue,
        SplitDeadLetterQueue: this.pipeline.splitDeadLetterQueue,
        SplitFailureQueue: this.pipeline.splitFailureQueue,
        ExportDeadLetterQueue: this.api.exportDeadLetterQueue,
      },
      functions: functionsOf(this),
      tables: this.tables,
      email: props.alarmEmail,
      metricsNamespace: environment.POWERTOOLS_METRICS_NAMESPACE!,
      serviceName: environment.POWERTOOLS_SERVICE_NAME!,
    });

    const outputs: Record<string, string> = {
      // The names `leakproof upload --stack` reads (stack-outputs.ts).
      [STACK_OUTPUTS.bucket]: this.storage.bucket.bucketName,
      [STACK_OUTPUTS.uploadsPrefix]: UPLOADS_PREFIX,
      WorkQueueUrl: this.pipeline.workQueue.queueUrl,
      DeadLetterQueueUrl: this.pipeline.deadLetterQueue.queueUrl,
      DumpsTable: this.tables.dumps.tableName,
      VerdictsTable: this.tables.verdicts.tableName,
      PostingsTable: this.tables.postings.tableName,
      KeysTable: this.tables.keys.tableName,
      [STACK_OUTPUTS.apiUrl]: this.api.url,
      [STACK_OUTPUTS.scriptApiUrl]: this.api.scriptUrl,
      ...(this.api.signIn
        ? { UserPoolId: this.api.signIn.userPool.userPoolId, ReportPageClientId: this.api.signIn.client.userPoolClientId, SignInUrl: this.api.signIn.domain.baseUrl() }
        : {}),
      AlarmTopicArn: this.alarms.topic.topicArn,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}

function requireIntegerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, not ${value}`);
}
