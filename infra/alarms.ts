import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { DUMPS_FAILED_METRIC } from '../shared/adapters/aws/split-failures.ts';
import type { VerdictTables } from './tables.ts';

export interface PipelineAlarmsProps {
  /** Queues where failed work ends: any message in one is a failure. Keyed by a name for the alarm's id. */
  deadLetterQueues: Record<string, sqs.IQueue>;
  /** Functions whose errors and throttles are watched: every function of the stack (see functionsOf). */
  functions: lambda.IFunction[];
  tables: VerdictTables;
  /** Who is told: an e-mail address subscribed to the topic (it must confirm the subscription). */
  email?: string;
  /** The namespace the functions publish their metrics to (POWERTOOLS_METRICS_NAMESPACE). */
  metricsNamespace: string;
  /** The service dimension Powertools adds to every metric (POWERTOOLS_SERVICE_NAME). */
  serviceName: string;
}

/** Data-plane operations the functions call (infra/pipeline.ts TABLE_READ/TABLE_WRITE, and transactions). */
const WATCHED_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.BATCH_GET_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
  dynamodb.Operation.BATCH_WRITE_ITEM,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
];

const PERIOD = Duration.minutes(5);

/**
 * What tells an operator that something went wrong: CloudWatch alarms, each sending to one SNS topic when it
 * goes off and when it clears. Every alarm fires on a single occurrence in five minutes; a metric that is absent
 * (nothing happened) is fine.
 *
 * - a message in (or passing through) a dead-letter queue: a job set aside, a split that gave up;
 * - a dump marked failed (the metric the split failure recorder and the splitter publish);
 * - a Lambda function's errors or throttles, for every function of the stack;
 * - throttled requests on any table (retried by the SDK, but a sign the writes outrun a partition).
 *
 * The topic is encrypted with a key of its own: CloudWatch cannot use the AWS-managed SNS key, so the key's
 * policy lets CloudWatch (of this account) encrypt to it.
 */
export class PipelineAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': account } } });

    this.key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the Leakproof alarm topic',
      enableKeyRotation: true,
      // Nothing but notifications in flight is encrypted with it.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({ principals: [cloudWatch], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }),
    );
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Leakproof alarms', masterKey: this.key, enforceSSL: true });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({ principals: [cloudWatch], actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    if (props.email !== undefined) this.topic.addSubscription(new EmailSubscription(props.email));
    const action = new SnsAction(this.topic);

    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string): void => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
    };

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      // Waiting, held by a consumer, or received in the period: a message its recorder takes at once still counts.
      const depth = new cloudwatch.MathExpression({
        expression: 'FILL(visible, 0) + FILL(inFlight, 0) + FILL(received, 0)',
        usingMetrics: {
          visible: queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: PERIOD }),
          inFlight: queue.metricApproximateNumberOfMessagesNotVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: PERIOD }),
          received: queue.metricNumberOfMessagesReceived({ statistic: cloudwatch.Stats.SUM, period: PERIOD }),
        },
        label: `${name} messages`,
        period: PERIOD,
      });
      alarm(`${name}Messages`, depth, `A message reached ${name}: work that failed on every delivery (see README, Failures).`);
    }

    alarm(
      'DumpsFailed',
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName: DUMPS_FAILED_METRIC,
        dimensionsMap: { service: props.serviceName },
        statistic: cloudwatch.Stats.SUM,
        period: PERIOD,
      }),
      'A dump was marked failed: GET /dumps shows which, and why.',
    );

    for (const fn of props.functions) {
      const name = fn.node.id;
      alarm(`${name}Errors`, fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: PERIOD }), `The ${name} function failed an invocation.`);
      alarm(`${name}Throttles`, fn.metricThrottles({ statistic: cloudwatch.Stats.SUM, period: PERIOD }), `The ${name} function was throttled.`);
    }

    const tables = { Dumps: props.tables.dumps, Verdicts: props.tables.verdicts, Postings: props.tables.postings, Keys: props.tables.keys };
    for (const [name, table] of Object.entries(tables)) {
      alarm(
        `${name}TableThrottled`,
        table.metricThrottledRequestsForOperations({ operations: WATCHED_OPERATIONS, period: PERIOD }),
        `Requests to the ${name} table were throttled (retried with backoff; sustained, they slow every job).`,
      );
    }
  }
}

/** Every Lambda function of a scope that runs this project's code: CDK's own helper functions are not watched. */
export function functionsOf(scope: IConstruct): lambda.Function[] {
  return scope.node.findAll().filter((child): child is lambda.Function => child instanceof lambda.Function);
}
