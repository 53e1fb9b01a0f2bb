import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RECORDS_PREFIX, SETTING_VARIABLES, STAGING_PREFIX, TMP_MIB_VARIABLE, UPLOADS_PREFIX } from '../shared/adapters/aws/settings.ts';
import { DUMPS_TABLE, VERDICTS_TABLE } from '../shared/adapters/aws/table-design.ts';
import { handlerFunction, type FunctionSize, type HandlerDefaults } from './handler-function.ts';
import type { VerdictTables } from './tables.ts';

export interface IngestPipelineProps {
  bucket: s3.Bucket;
  tables: VerdictTables;
  /** The directory holding package-lock.json and functions/: the bundles' project root. */
  projectRoot: string;
  workerConcurrency: number;
  maxReceiveCount: number;
  logRetention: logs.RetentionDays;
  offline: boolean;
}

/**
 * The splitter's /tmp, Lambda's most: a top-level .pst/.7z/.rar is copied there from S3 and a 7z/rar extracted
 * there too, so the largest such dump it reads is about this (its spool budget, the environment's
 * TMP_MIB_VARIABLE, keeps 1/20 back: 9,728 MiB for the copy and what it unpacks together). Billed per GB-second
 * above 512 MB for the whole of every invocation ($0.0000000309 in us-east-1: ~$0.00026 for a 15-minute leg).
 */
const SPLITTER_TMP_MIB = 10_240;
/** Per function: memory and timeout. The worker gets 1769 MB, the size at which Lambda gives one full vCPU. */
const SPLITTER = { memorySize: 1024, timeout: Duration.minutes(15), ephemeralStorageSize: Size.mebibytes(SPLITTER_TMP_MIB) };
const WORKER = { memorySize: 1769, timeout: Duration.minutes(2) };
const DEAD_LETTER_RECORDER = { memorySize: 512, timeout: Duration.minutes(1) };
const SPLIT_FAILURE_RECORDER = { memorySize: 256, timeout: Duration.minutes(1) };
/**
 * Lambda's retries of a failed S3 event (its default and most), and how long the event may wait for one: after
 * them the event goes to the split failure queue. A retry restarts the split from the start (idempotent).
 */
const SPLIT_EVENT_RETRIES = 2;
const SPLIT_EVENT_MAX_AGE = Duration.hours(6);

/** SQS's largest message, 1 MiB: a job (up to 200 units of one dump) travels as one message. */
const MAX_MESSAGE_BYTES = 1_048_576;
/** What every queue of the stack has: encrypted, TLS only, 1 MiB messages, kept when the stack goes. */
export const QUEUE_BASE = {
  encryption: sqs.QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
  maxMessageSizeBytes: MAX_MESSAGE_BYTES,
  removalPolicy: RemovalPolicy.RETAIN,
} as const;
/** AWS's advice for a queue a Lambda consumes: visibility timeout at least six times the function timeout. */
const VISIBILITY_PER_TIMEOUT = 6;

/** Data-plane DynamoDB actions: no Scan (the design answers everything with a Query), no table management. */
export const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
export const TABLE_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/**
 * The ingest pipeline: an upload under uploads/ invokes the splitter, which queues work (zip locators, mbox
 * byte ranges, staged objects) on SQS; workers verify and record verdicts; what fails maxReceiveCount times
 * lands on the dead-letter queue, whose recorder marks those entries as errors so every entry is counted. A
 * split that fails for good (its S3 event on every attempt, or a continuation on every delivery) reaches the
 * split failure recorder, which marks the dump failed with the reason. Each function has its own role, granted
 * only what it does, and its own log group. Queues are kept when the stack goes, as the bucket and tables are:
 * what waits in them is work or evidence of a failure.
 */
export class IngestPipeline extends Construct {
  readonly workQueue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Continuations of splits that ran out of time; each invokes the splitter again. */
  readonly splitQueue: sqs.Queue;
  readonly splitDeadLetterQueue: sqs.Queue;
  /** The splitter's on-failure destination: S3 events Lambda gave up on. */
  readonly splitFailureQueue: sqs.Queue;
  readonly splitter: NodejsFunction;
  readonly worker: NodejsFunction;
  readonly deadLetterRecorder: NodejsFunction;
  readonly splitFailureRecorder: NodejsFunction;
  /** How the pipeline's functions are built and what they are told: for the stack's other functions. */
  readonly handlerDefaults: HandlerDefaults;

  constructor(scope: Construct, id: string, props: IngestPipelineProps) {
    super(scope, id);
    const { bucket, tables } = props;

    const queue = (queueId: string, consumerTimeout: Duration, deadLetterQueue?: sqs.IQueue): sqs.Queue =>
      new sqs.Queue(this, queueId, {
        ...QUEUE_BASE,
        retentionPeriod: Duration.days(14),
        visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * VISIBILITY_PER_TIMEOUT),
        deadLetterQueue: deadLetterQueue && { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
      });
    this.deadLetterQueue = queue('DeadLetterQueue', DEAD_LETTER_RECORDER.timeout);
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is the dead-letter queue of the work queue; what its recorder cannot record stays here for 14 days.',
    });
    this.workQueue = queue('WorkQueue', WORKER.timeout, this.deadLetterQueue);
    // A continuation that keeps failing lands here; the split failure recorder marks its dump failed.
    this.splitDeadLetterQueue = queue('SplitDeadLetterQueue', SPLIT_FAILURE_RECORDER.timeout);
    Validations.of(this.splitDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is the dead-letter queue of the split queue; what its recorder cannot record stays here for 14 days, and its alarm goes off.',
    });
    this.splitFailureQueue = queue('SplitFailureQueue', SPLIT_FAILURE_RECORDER.timeout);
    Validations.of(this.splitFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This is the splitter's on-failure destination, a dead-letter queue in all but name; what its recorder cannot record stays here for 14 days, and its alarm goes off.",
    });
    this.splitQueue = queue('SplitQueue', SPLITTER.timeout, this.splitDeadLetterQueue);

    // Every setting the handlers read (shared/adapters/aws/settings.ts): a new one fails to compile here.
    const settings: Record<keyof typeof SETTING_VARIABLES, string> = {
      bucket: bucket.bucketName,
      dumpsTable: tables.dumps.tableName,
      verdictsTable: tables.verdicts.tableName,
      postingsTable: tables.postings.tableName,
      keysTable: tables.keys.tableName,
      workQueueUrl: this.workQueue.queueUrl,
      splitQueueUrl: this.splitQueue.queueUrl,
      offline: String(props.offline),
    };
    const environment: Record<string, string> = {
      ...Object.fromEntries(
        Object.entries(settings).map(([name, value]) => [SETTING_VARIABLES[name as keyof typeof settings], value]),
      ),
      POWERTOOLS_SERVICE_NAME: 'leakproof',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: 'Leakproof',
      NODE_OPTIONS: '--enable-source-maps',
    };
    this.handlerDefaults = { projectRoot: props.projectRoot, logRetention: props.logRetention, environment };
    const handler = (handlerId: string, entry: string, size: FunctionSize, afterBundling?: (inputDir: string, outputDir: string) => string[]) =>
      handlerFunction(this, handlerId, entry, size, this.handlerDefaults, afterBundling);
    // The readers of 7z/rar archives load 7-Zip's WebAssembly from beside the bundle (shared/dump/seven-zip.ts).
    const withSevenZip = (inputDir: string, outputDir: string) => [`cp ${inputDir}/node_modules/7z-wasm/7zz.wasm ${outputDir}/7zz.wasm`];

    const uploads = bucket.arnForObjects(`${UPLOADS_PREFIX}*`);
    const staging = bucket.arnForObjects(`${STAGING_PREFIX}*`);
    // Records too large for a DynamoDB item live under records/ (dynamo-record-blobs.ts): whoever stores entries
    // writes and reads them there.
    const records = bucket.arnForObjects(`${RECORDS_PREFIX}*`);

    this.splitter = handler('Splitter', 'functions/split.ts', SPLITTER, withSevenZip);
    this.splitter.addEnvironment(TMP_MIB_VARIABLE, String(SPLITTER_TMP_MIB));
    this.splitter.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [uploads] }));
    this.splitter.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [staging] }));
    this.splitter.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [records] }));
    this.splitter.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [this.workQueue.queueArn, this.splitQueue.queueArn],
      }),
    );
    // It also settles the provenance of a dump's documents (shared/fanout/settle-leg.ts): the postings table, and
    // the indexes settleProvenance lists verified messages and the other dumps through.
    this.splitter.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...TABLE_READ, ...TABLE_WRITE],
        resources: [tables.dumps.tableArn, tables.verdicts.tableArn, tables.postings.tableArn],
      }),
    );
    this.splitter.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [
          // Not the sorted listings' indexes: settling lists nothing in order.
          ...[VERDICTS_TABLE.byVerdict, VERDICTS_TABLE.bySender].map((index) => `${tables.verdicts.tableArn}/index/${index.indexName}`),
          `${tables.dumps.tableArn}/index/${DUMPS_TABLE.byStart.indexName}`,
        ],
      }),
    );
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.splitter), {
      prefix: UPLOADS_PREFIX,
    });
    // One continuation per invocation: each leg gets the whole 15 minutes.
    this.splitter.addEventSource(new SqsEventSource(this.splitQueue, { batchSize: 1 }));
    // Splitter -> split queue -> splitter is a loop by design: Lambda would stop it after ~16 legs. The code caps
    // it instead (shared/fanout/split-leg.ts MAX_SPLIT_LEGS).
    (this.splitter.node.defaultChild as lambda.CfnFunction).recursiveLoop = lambda.RecursiveLoop.ALLOW;
    this.splitter.configureAsyncInvoke({
      onFailure: new SqsDestination(this.splitFailureQueue),
      retryAttempts: SPLIT_EVENT_RETRIES,
      maxEventAge: SPLIT_EVENT_MAX_AGE,
    });

    this.worker = handler('Worker', 'functions/verify.ts', WORKER, withSevenZip);
    this.worker.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [uploads, staging] }));
    this.worker.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [records] }));
    this.worker.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...TABLE_READ, ...TABLE_WRITE],
        resources: [tables.dumps.tableArn, tables.verdicts.tableArn, tables.postings.tableArn, tables.keys.tableArn],
      }),
    );
    // A re-verification job settles again the documents its replaced messages carry (shared/reverify): every
    // dump's documents by name, so it lists the dumps.
    this.worker.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${tables.dumps.tableArn}/index/${DUMPS_TABLE.byStart.indexName}`] }));
    // The job that stores a dump's last entries queues the settling of its documents on the split queue.
    this.worker.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.splitQueue.queueArn] }));
    this.worker.addEventSource(
      new SqsEventSource(this.workQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: props.workerConcurrency,
      }),
    );

    this.deadLetterRecorder = handler('DeadLetterRecorder', 'functions/dead-letter.ts', DEAD_LETTER_RECORDER);
    // It reads the dump's item first: a job that did finish (its delete was lost) keeps its verdicts.
    this.deadLetterRecorder.addToRolePolicy(
      new iam.PolicyStatement({ actions: [...TABLE_READ, ...TABLE_WRITE], resources: [tables.dumps.tableArn] }),
    );
    this.deadLetterRecorder.addToRolePolicy(
      new iam.PolicyStatement({ actions: TABLE_WRITE, resources: [tables.verdicts.tableArn] }),
    );
    this.deadLetterRecorder.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [records] }));
    this.deadLetterRecorder.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.splitQueue.queueArn] }));
    this.deadLetterRecorder.addEventSource(
      new SqsEventSource(this.deadLetterQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    this.splitFailureRecorder = handler('SplitFailureRecorder', 'functions/split-failure.ts', SPLIT_FAILURE_RECORDER);
    // It opens the dump when the first attempt failed before doing so, then marks it failed.
    this.splitFailureRecorder.addToRolePolicy(
      new iam.PolicyStatement({ actions: [...TABLE_READ, ...TABLE_WRITE], resources: [tables.dumps.tableArn] }),
    );
    for (const failures of [this.splitFailureQueue, this.splitDeadLetterQueue]) {
      this.splitFailureRecorder.addEventSource(new SqsEventSource(failures, { batchSize: 10, reportBatchItemFailures: true }));
    }

    acknowledgeObjectWildcards(this.splitter, bucket, [UPLOADS_PREFIX, STAGING_PREFIX, RECORDS_PREFIX]);
    acknowledgeObjectWildcards(this.worker, bucket, [UPLOADS_PREFIX, STAGING_PREFIX, RECORDS_PREFIX]);
    acknowledgeObjectWildcards(this.deadLetterRecorder, bucket, [RECORDS_PREFIX]);
    acknowledgeNotificationsHandler(Stack.of(this));
  }
}

/** cdk-nag names a wildcard by the rendered resource: `<LogicalId.Arn>/uploads/*`. */
export function acknowledgeObjectWildcards(
  fn: NodejsFunction,
  bucket: s3.Bucket,
  prefixes: string[],
  reason = (prefix: string) => `Dump, staged and record object keys are only known at run time; the grant is limited to the ${prefix} prefix.`,
): void {
  if (!fn.role) throw new Error(`${fn.node.path} has no role`);
  const stack = Stack.of(bucket);
  const bucketArn = `<${stack.resolve((bucket.node.defaultChild as s3.CfnBucket).logicalId)}.Arn>`;
  for (const prefix of prefixes) {
    Validations.of(fn.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}*]`, reason: reason(prefix) });
  }
}

/** The handler CDK adds (one per stack) to set the bucket's notification configuration. */
function acknowledgeNotificationsHandler(stack: Stack): void {
  const handler = stack.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  if (!handler) throw new Error('the bucket notifications handler was not found in the stack');
  Validations.of(handler).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: "CDK's own handler that sets the dumps bucket notification at deploy time; it only writes its logs with this policy.",
  });
}
