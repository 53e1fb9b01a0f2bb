import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { UPLOADS_PREFIX } from '../shared/adapters/aws/settings.ts';
import { DUMPS_TABLE } from '../shared/adapters/aws/table-design.ts';
import { handlerFunction, type HandlerDefaults } from './handler-function.ts';
import { acknowledgeObjectWildcards, TABLE_READ, TABLE_WRITE } from './pipeline.ts';
import type { VerdictTables } from './tables.ts';

export interface ReverificationProps {
  bucket: s3.Bucket;
  tables: VerdictTables;
  /** Where the affected messages go: the pipeline's work queue, whose workers re-verify them. */
  workQueue: sqs.IQueue;
  handlerDefaults: HandlerDefaults;
  /** An EventBridge schedule expression: "rate(1 day)", "cron(0 3 * * ? *)". */
  schedule: string;
}

export const DEFAULT_REVERIFY_SCHEDULE = 'rate(1 day)';

/** Selection reads every stored selector and their uses: minutes on a large store, never near a worker's limit. */
const RUNNER = { memorySize: 1024, timeout: Duration.minutes(15) };

/**
 * Scheduled re-verification runs: an EventBridge rule invokes the runner (functions/reverify.ts), which watches
 * DNS for rotated keys and queues the affected messages on the work queue for the pipeline's workers. The API's
 * on-demand runs queue the same way, granted the same through `grantReverification`.
 */
export class Reverification extends Construct {
  readonly runner: NodejsFunction;
  readonly rule: events.Rule;
  readonly #props: ReverificationProps;

  constructor(scope: Construct, id: string, props: ReverificationProps) {
    super(scope, id);
    this.#props = props;
    this.runner = handlerFunction(this, 'Runner', 'functions/reverify.ts', RUNNER, props.handlerDefaults);
    this.grantReverification(this.runner);
    // The key watch records what DNS publishes now in the archive.
    this.runner.addToRolePolicy(new iam.PolicyStatement({ actions: TABLE_WRITE, resources: [props.tables.keys.tableArn] }));
    // No retry of a failed run: a second run would queue again messages whose jobs still wait, and tomorrow's
    // run selects whatever this one did not get to.
    this.runner.configureAsyncInvoke({ retryAttempts: 0 });
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Leakproof: re-verify the stored messages new keys, changed keys or newer rules affect',
      schedule: events.Schedule.expression(props.schedule),
      targets: [new targets.LambdaFunction(this.runner)],
    });
  }

  /**
   * Grants what queueing a re-verification takes, and nothing more: reading the verdict store and the key
   * archive (the selection), reading the dumps' objects under uploads/ (to locate the units holding the
   * messages) and sending to the work queue.
   */
  grantReverification(grantee: NodejsFunction): void {
    const { bucket, tables, workQueue } = this.#props;
    const read = [tables.dumps, tables.verdicts, tables.postings, tables.keys].map((table) => table.tableArn);
    grantee.addToRolePolicy(new iam.PolicyStatement({ actions: TABLE_READ, resources: read }));
    // Dumps are listed through their start index; everything else is read by key or by partition.
    const dumpsByStart = `${tables.dumps.tableArn}/index/${DUMPS_TABLE.byStart.indexName}`;
    grantee.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [dumpsByStart] }));
    grantee.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${UPLOADS_PREFIX}*`)] }));
    grantee.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [workQueue.queueArn] }));
    acknowledgeObjectWildcards(grantee, bucket, [UPLOADS_PREFIX]);
  }
}
