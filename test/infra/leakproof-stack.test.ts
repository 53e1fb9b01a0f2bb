import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SETTING_VARIABLES, TMP_MIB_VARIABLE, tmpMiBFromEnvironment } from '../../shared/adapters/aws/settings.ts';
import { LAMBDA_SPOOL_BYTES, lambdaSpoolBytes } from '../../shared/fanout/read-unit.ts';
import {
  DUMPS_TABLE,
  KEYS_TABLE,
  LISTING_ATTRIBUTES,
  POSTINGS_TABLE,
  SEARCH_WORDS_ATTRIBUTE,
  SORTED_LISTINGS,
  TTL_ATTRIBUTE,
  VERDICTS_TABLE,
  indexesOf,
  type IndexDesign,
} from '../../shared/adapters/aws/table-design.ts';
import { MESSAGE_SORT_FIELDS } from '../../shared/ports/verdict-store.ts';
import { ENDPOINTS } from '../../shared/api/endpoints.ts';
import { stackPropsFromContext } from '../../infra/context.ts';
import { LeakproofStack, type LeakproofStackProps } from '../../infra/leakproof-stack.ts';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** Synthesizes the stack without bundling: `aws:cdk:bundling-stacks` = [] makes every stack skip esbuild. */
function synthesize(props: LeakproofStackProps = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'leakproof-cdk-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LeakproofStack(app, 'Leakproof', props);
  const template = Template.fromStack(stack);
  const json = template.toJSON() as { Resources: Record<string, Resource>; Outputs: Record<string, unknown> };
  return { app, outdir, stack, template, resources: json.Resources, outputs: json.Outputs };
}

interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
}

function logicalId(construct: IConstruct): string {
  const element = construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).resolve(element.logicalId) as string;
}

function resource(resources: Record<string, Resource>, construct: IConstruct): Resource {
  const found = resources[logicalId(construct)];
  if (!found) throw new Error(`${construct.node.path} is not in the template`);
  return found;
}

function ofType(resources: Record<string, Resource>, type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

const deployed = synthesize();
const { stack, resources } = deployed;
const { pipeline, storage, tables } = stack;

describe('synthesis for tests', () => {
  it('skips esbuild: no stack asks for bundling and no bundled asset is written', () => {
    expect(stack.bundlingRequired).toBe(false);
    deployed.app.synth();
    expect(readdirSync(deployed.outdir).filter((name) => name.startsWith('asset.') || name.includes('bundling'))).toEqual(
      [],
    );
  });
});

describe('the dumps bucket', () => {
  const bucket = resource(resources, storage.bucket);

  it('notifies the splitter of objects created under uploads/', () => {
    const notifications = ofType(resources, 'Custom::S3BucketNotifications');
    expect(notifications).toHaveLength(1);
    const [, notification] = notifications[0]!;
    expect(notification.Properties.BucketName).toEqual({ Ref: logicalId(storage.bucket) });
    expect(notification.Properties.NotificationConfiguration).toEqual({
      LambdaFunctionConfigurations: [
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
          LambdaFunctionArn: { 'Fn::GetAtt': [logicalId(pipeline.splitter), 'Arn'] },
        },
      ],
    });
    deployed.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalId(pipeline.splitter), 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [logicalId(storage.bucket), 'Arn'] },
    });
  });

  it('is encrypted, private, kept, and logs its accesses to the other bucket', () => {
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toEqual({
      Ref: logicalId(storage.accessLogs),
    });
  });

  it('expires staged messages after a week and exports after a day, and nothing else', () => {
    const rules = bucket.Properties.LifecycleConfiguration.Rules as Record<string, unknown>[];
    const expiring = rules.filter((rule) => rule.ExpirationInDays !== undefined);
    expect(expiring).toEqual([
      expect.objectContaining({ Prefix: 'staging/', ExpirationInDays: 7, Status: 'Enabled' }),
      { Id: 'expire-exports', Prefix: 'exports/', ExpirationInDays: 1, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
    ]);
    expect(rules).toContainEqual({ Id: 'abort-incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' });
  });

  it('both buckets refuse plain HTTP', () => {
    for (const b of [storage.bucket, storage.accessLogs]) {
      const id = logicalId(b);
      const [, policy] = ofType(resources, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === id)!;
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/*']] }],
      });
      const properties = resource(resources, b).Properties;
      expect(properties.BucketEncryption).toBeDefined();
      expect(properties.PublicAccessBlockConfiguration).toBeDefined();
    }
  });
});

describe('the queues', () => {
  const work = resource(resources, pipeline.workQueue);
  const deadLetters = resource(resources, pipeline.deadLetterQueue);
  const worker = resource(resources, pipeline.worker);
  const recorder = resource(resources, pipeline.deadLetterRecorder);

  it('redrive work to the dead-letter queue after maxReceiveCount receives (default 5, a prop)', () => {
    expect(work.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(pipeline.deadLetterQueue), 'Arn'] },
      maxReceiveCount: 5,
    });
    const other = synthesize({ maxReceiveCount: 3 });
    expect(resource(other.resources, other.stack.pipeline.workQueue).Properties.RedrivePolicy.maxReceiveCount).toBe(3);
  });

  it('hide a received message for at least six timeouts of the function that consumes it', () => {
    expect(typeof work.Properties.VisibilityTimeout).toBe('number');
    expect(typeof worker.Properties.Timeout).toBe('number');
    expect(work.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Properties.Timeout);
    const split = resource(resources, pipeline.splitQueue);
    const splitter = resource(resources, pipeline.splitter);
    expect(split.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * splitter.Properties.Timeout);
    // Lambda refuses an event source whose queue hides a message for less than the function's timeout.
    expect(deadLetters.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(recorder.Properties.Timeout);
  });

  it('take 1 MiB messages, are encrypted and refuse plain HTTP', () => {
    const queues = [pipeline.workQueue, pipeline.deadLetterQueue, pipeline.splitQueue, pipeline.splitDeadLetterQueue, pipeline.splitFailureQueue, stack.api.exportQueue, stack.api.exportDeadLetterQueue];
    expect(queues.map(logicalId).sort()).toEqual(ofType(resources, 'AWS::SQS::Queue').map(([id]) => id).sort());
    for (const queue of queues) {
      const { Properties } = resource(resources, queue);
      expect(Properties.MaximumMessageSize).toBe(1_048_576);
      expect(Properties.SqsManagedSseEnabled).toBe(true);
      deployed.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('feed the worker in batches of ten with partial failures and a concurrency cap (a prop, default 50)', () => {
    const mapping = {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(pipeline.workQueue), 'Arn'] },
      FunctionName: { Ref: logicalId(pipeline.worker) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    };
    deployed.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ...mapping,
      ScalingConfig: { MaximumConcurrency: 50 },
    });
    synthesize({ workerConcurrency: 100 }).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ...mapping,
      ScalingConfig: { MaximumConcurrency: 100 },
    });
    expect(() => synthesize({ workerConcurrency: 1 })).toThrow(/workerConcurrency/);
  });

  it('feed the dead-letter recorder from the dead-letter queue', () => {
    deployed.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(pipeline.deadLetterQueue), 'Arn'] },
      FunctionName: { Ref: logicalId(pipeline.deadLetterRecorder) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('bring a split that ran out of time back to the splitter, one continuation per invocation', () => {
    deployed.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(pipeline.splitQueue), 'Arn'] },
      FunctionName: { Ref: logicalId(pipeline.splitter) },
      BatchSize: 1,
    });
    expect(resource(resources, pipeline.splitQueue).Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(pipeline.splitDeadLetterQueue), 'Arn'] },
      maxReceiveCount: 5,
    });
    // The others: the split failure recorder's (see "failures are visible") and the export function's (test/infra/api-auth-exports.test.ts).
    deployed.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 6);
  });
});

describe('the tables', () => {
  const key = (partitionKey: string, sortKey: string) => [
    { AttributeName: partitionKey, KeyType: 'HASH' },
    { AttributeName: sortKey, KeyType: 'RANGE' },
  ];

  it('are keyed and indexed as table-design.ts says, every key a string', () => {
    const index = (design: IndexDesign) => ({
      IndexName: design.indexName,
      KeySchema: key(design.partitionKey, design.sortKey),
      Projection:
        design.projection === 'all'
          ? { ProjectionType: 'ALL' }
          : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...design.projection] },
    });
    const expected = [
      { table: tables.dumps, design: DUMPS_TABLE, indexes: [DUMPS_TABLE.byStart] },
      {
        table: tables.verdicts,
        design: VERDICTS_TABLE,
        indexes: [VERDICTS_TABLE.byVerdict, VERDICTS_TABLE.bySender, VERDICTS_TABLE.sortedByDate, VERDICTS_TABLE.sortedByFrom, VERDICTS_TABLE.sortedBySubject, VERDICTS_TABLE.sortedByVerdict],
      },
      { table: tables.postings, design: POSTINGS_TABLE, indexes: [] },
      { table: tables.keys, design: KEYS_TABLE, indexes: [KEYS_TABLE.byDomain] },
    ];
    for (const { table, design, indexes } of expected) {
      const { Properties } = resource(resources, table);
      expect(Properties.KeySchema).toEqual(key(design.partitionKey, design.sortKey));
      expect(Properties.GlobalSecondaryIndexes).toEqual(indexes.length > 0 ? indexes.map(index) : undefined);
      // An index added to the design later is an index here too.
      const designed = Object.values(design).filter((value) => typeof value === 'object');
      expect(Properties.GlobalSecondaryIndexes ?? []).toHaveLength(designed.length);
      for (const attribute of Properties.AttributeDefinitions) expect(attribute.AttributeType).toBe('S');
    }
  });

  it('can leave out the last sorted listings\' indexes, for a stack given them one a deployment (-c sortedListingIndexes)', () => {
    const verdictIndexes = (count: number) => {
      const built = synthesize({ sortedListingIndexes: count });
      const table = resource(built.resources, built.stack.tables.verdicts);
      return (table.Properties.GlobalSecondaryIndexes as { IndexName: string }[]).map((index) => index.IndexName);
    };
    expect(verdictIndexes(0)).toEqual(['byVerdict', 'bySender']);
    expect(verdictIndexes(1)).toEqual(['byVerdict', 'bySender', SORTED_LISTINGS.date.indexName]);
    expect(() => synthesize({ sortedListingIndexes: 5 })).toThrow(/sortedListingIndexes/);
    expect(stackPropsFromContext(new App({ context: { sortedListingIndexes: '2' } }).node).sortedListingIndexes).toBe(2);
  });

  it('expire items by the TTL attribute the design names (the dumps table: its counted-once markers), and no other', () => {
    for (const [table, design] of [[tables.dumps, DUMPS_TABLE], [tables.verdicts, VERDICTS_TABLE], [tables.postings, POSTINGS_TABLE], [tables.keys, KEYS_TABLE]] as const) {
      const ttl = 'timeToLive' in design ? design.timeToLive : undefined;
      expect(resource(resources, table).Properties.TimeToLiveSpecification).toEqual(ttl === undefined ? undefined : { AttributeName: ttl, Enabled: true });
    }
    expect(DUMPS_TABLE.timeToLive).toBe(TTL_ATTRIBUTE);
  });

  it('copy only the listing attributes into the verdict indexes (and the search words into the sorted ones), not the evidence', () => {
    const indexes = resource(resources, tables.verdicts).Properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: { AttributeName: string }[]; Projection: { NonKeyAttributes: string[] } }[];
    const sorted = new Set(Object.values(SORTED_LISTINGS).map((index) => index.indexName));
    expect(sorted.size).toBe(MESSAGE_SORT_FIELDS.length);
    for (const { IndexName, KeySchema, Projection } of indexes) {
      const copied = sorted.has(IndexName) ? [...LISTING_ATTRIBUTES, SEARCH_WORDS_ATTRIBUTE] : [...LISTING_ATTRIBUTES];
      expect(Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: copied });
      expect(Projection.NonKeyAttributes).not.toContain('record');
      // A sorted listing reads the dump's own shards: its partition key is the table's.
      if (sorted.has(IndexName)) expect(KeySchema[0]!.AttributeName).toBe(VERDICTS_TABLE.partitionKey);
    }
    // DynamoDB allows at most 100 attributes projected by a table's indexes, all of them together.
    expect(indexes.reduce((sum, index) => sum + index.Projection.NonKeyAttributes.length, 0)).toBeLessThanOrEqual(100);
  });

  it('are on demand, encrypted, recoverable to a point in time and kept', () => {
    const all = ofType(resources, 'AWS::DynamoDB::Table');
    expect(all).toHaveLength(4);
    for (const [, table] of all) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('the functions', () => {
  const functions = { splitter: pipeline.splitter, worker: pipeline.worker, recorder: pipeline.deadLetterRecorder };

  it('run Node.js 22 on arm64 with the planned memory and timeouts', () => {
    const shape = Object.fromEntries(
      Object.entries(functions).map(([name, fn]) => {
        const { Runtime, Architectures, MemorySize, Timeout, Handler, EphemeralStorage } = resource(resources, fn).Properties;
        return [name, { Runtime, Architectures, MemorySize, Timeout, Handler, EphemeralStorage }];
      }),
    );
    const common = { Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' };
    expect(shape).toEqual({
      // The splitter copies a top-level .pst/.7z/.rar to /tmp and extracts 7z/rar there: Lambda's most /tmp.
      splitter: { ...common, MemorySize: 1024, Timeout: 900, EphemeralStorage: { Size: 10_240 } },
      worker: { ...common, MemorySize: 1769, Timeout: 120 },
      recorder: { ...common, MemorySize: 512, Timeout: 60 },
    });
    // Nothing else runs Node in this stack (CDK's own notification handler runs Python).
    for (const [, fn] of ofType(resources, 'AWS::Lambda::Function')) {
      if (String(fn.Properties.Runtime).startsWith('nodejs')) expect(fn.Properties.Runtime).toBe('nodejs22.x');
    }
  });

  it('are told where everything is, and nothing more', () => {
    const expected = {
      [SETTING_VARIABLES.bucket]: { Ref: logicalId(storage.bucket) },
      [SETTING_VARIABLES.dumpsTable]: { Ref: logicalId(tables.dumps) },
      [SETTING_VARIABLES.verdictsTable]: { Ref: logicalId(tables.verdicts) },
      [SETTING_VARIABLES.postingsTable]: { Ref: logicalId(tables.postings) },
      [SETTING_VARIABLES.keysTable]: { Ref: logicalId(tables.keys) },
      [SETTING_VARIABLES.workQueueUrl]: { Ref: logicalId(pipeline.workQueue) },
      [SETTING_VARIABLES.splitQueueUrl]: { Ref: logicalId(pipeline.splitQueue) },
      [SETTING_VARIABLES.offline]: 'false',
      POWERTOOLS_SERVICE_NAME: 'leakproof',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: 'Leakproof',
      NODE_OPTIONS: '--enable-source-maps',
    };
    for (const fn of Object.values(functions)) {
      const variables = resource(resources, fn).Properties.Environment.Variables;
      // The splitter is also told its /tmp, which its disk budget follows.
      expect(variables).toEqual(fn === pipeline.splitter ? { ...expected, [TMP_MIB_VARIABLE]: '10240' } : expected);
      // What settingsFromEnvironment reads, all of it.
      for (const name of Object.values(SETTING_VARIABLES)) expect(variables).toHaveProperty(name);
    }
    const offline = synthesize({ offline: true });
    const variables = resource(offline.resources, offline.stack.pipeline.worker).Properties.Environment.Variables;
    expect(variables[SETTING_VARIABLES.offline]).toBe('true');
  });

  it("give the splitter a disk budget that follows its /tmp: all of it but a margin of 1/20 (at least 64 MiB)", () => {
    const { EphemeralStorage, Environment } = resource(resources, pipeline.splitter).Properties;
    const tmpMiB = tmpMiBFromEnvironment(Environment.Variables);
    expect(tmpMiB).toBe(EphemeralStorage.Size);
    expect(lambdaSpoolBytes(tmpMiB)).toBe(9_728 * 1024 * 1024);
    // The other functions keep Lambda's 512 MiB, and the budget it always had.
    expect(tmpMiBFromEnvironment(resource(resources, pipeline.worker).Properties.Environment.Variables)).toBe(512);
    expect(lambdaSpoolBytes(512)).toBe(LAMBDA_SPOOL_BYTES);
    expect(LAMBDA_SPOOL_BYTES).toBe(448 * 1024 * 1024);
    expect(() => tmpMiBFromEnvironment({ [TMP_MIB_VARIABLE]: '20000' })).toThrow(/from 512 to 10240/);
  });

  it('log to their own log groups, kept for a year unless told otherwise', () => {
    const groups = ofType(resources, 'AWS::Logs::LogGroup');
    // One per function (the pipeline's four, the re-verification runner, the API's handler and export function), and the two APIs' access logs.
    expect(groups).toHaveLength(9);
    for (const fn of Object.values(functions)) {
      const ref = resource(resources, fn).Properties.LoggingConfig.LogGroup.Ref as string;
      expect(resources[ref]?.Type).toBe('AWS::Logs::LogGroup');
      expect(resources[ref]?.Properties.RetentionInDays).toBe(365);
    }
    const shorter = synthesize({ logRetention: RetentionDays.ONE_MONTH });
    for (const [, group] of ofType(shorter.resources, 'AWS::Logs::LogGroup')) {
      expect(group.Properties.RetentionInDays).toBe(30);
    }
  });

  /** Every (action, resource) pair a function's role is allowed, resources rendered as "<logicalId>/suffix". */
  function grants(fn: IConstruct & { role?: IConstruct | undefined }): string[] {
    const role = logicalId(fn.role!);
    const pairs: string[] = [];
    const render = (r: any): string =>
      r['Fn::GetAtt'] ? `${r['Fn::GetAtt'][0]}` : r['Fn::Join'] ? r['Fn::Join'][1].map(render).join('') : String(r);
    for (const [, policy] of ofType(resources, 'AWS::IAM::Policy')) {
      if (!policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === role)) continue;
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        expect(statement.Effect).toBe('Allow');
        for (const action of [statement.Action].flat()) {
          for (const target of [statement.Resource].flat()) pairs.push(`${action} ${render(target)}`);
        }
      }
    }
    return pairs.sort();
  }

  it('are granted only what each one does', () => {
    const bucket = logicalId(storage.bucket);
    const [dumps, verdicts, postings, keys] = [tables.dumps, tables.verdicts, tables.postings, tables.keys].map(logicalId) as [string, string, string, string];
    const read = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query'];
    const write = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
    const on = (actions: string[], ...targets: string[]) => actions.flatMap((a) => targets.map((t) => `${a} ${t}`));
    const consume = (queue: string) =>
      on(
        [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        queue,
      );
    const logs = (fn: IConstruct) => {
      const group = resource(resources, fn).Properties.LoggingConfig.LogGroup.Ref as string;
      return on(['logs:CreateLogStream', 'logs:PutLogEvents'], group);
    };
    expect(grants(pipeline.splitter)).toEqual(
      [
        ...logs(pipeline.splitter),
        `s3:GetObject ${bucket}/uploads/*`,
        `s3:PutObject ${bucket}/staging/*`,
        `s3:PutObject ${bucket}/records/*`,
        `s3:GetObject ${bucket}/records/*`,
        `sqs:SendMessage ${logicalId(pipeline.workQueue)}`,
        `sqs:SendMessage ${logicalId(pipeline.splitQueue)}`,
        ...consume(logicalId(pipeline.splitQueue)),
        // Its on-failure destination: Lambda sends a failed S3 event there with the function's role.
        ...on(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], logicalId(pipeline.splitFailureQueue)),
        // It settles the provenance of a dump's documents too: postings, verified messages by index, other dumps.
        ...on([...read, ...write], dumps, verdicts, postings),
        ...on(['dynamodb:Query'], `${verdicts}/index/byVerdict`, `${verdicts}/index/bySender`, `${dumps}/index/byStart`),
      ].sort(),
    );
    expect(grants(pipeline.worker)).toEqual(
      [
        ...logs(pipeline.worker),
        `s3:GetObject ${bucket}/uploads/*`,
        `s3:GetObject ${bucket}/staging/*`,
        `s3:PutObject ${bucket}/records/*`,
        `s3:GetObject ${bucket}/records/*`,
        ...on([...read, ...write], dumps, verdicts, postings, keys),
        // A re-verification job settles again the documents its messages carry: it lists the dumps.
        `dynamodb:Query ${dumps}/index/byStart`,
        ...consume(logicalId(pipeline.workQueue)),
        // The job that stores a dump's last entry queues the settling of its documents.
        `sqs:SendMessage ${logicalId(pipeline.splitQueue)}`,
      ].sort(),
    );
    expect(grants(pipeline.deadLetterRecorder)).toEqual(
      [
        ...logs(pipeline.deadLetterRecorder),
        ...on([...read, ...write], dumps),
        ...on(write, verdicts),
        `s3:PutObject ${bucket}/records/*`,
        `s3:GetObject ${bucket}/records/*`,
        ...consume(logicalId(pipeline.deadLetterQueue)),
        `sqs:SendMessage ${logicalId(pipeline.splitQueue)}`,
      ].sort(),
    );
    expect(grants(pipeline.splitFailureRecorder)).toEqual(
      [
        ...logs(pipeline.splitFailureRecorder),
        ...on([...read, ...write], dumps),
        ...consume(logicalId(pipeline.splitFailureQueue)),
        ...consume(logicalId(pipeline.splitDeadLetterQueue)),
      ].sort(),
    );
  });

  describe('the re-verification runner', () => {
    const { runner, rule } = stack.reverification;

    it('runs on an EventBridge schedule, daily unless told otherwise', () => {
      const scheduled = resource(resources, rule);
      expect(scheduled.Properties).toMatchObject({
        ScheduleExpression: 'rate(1 day)',
        State: 'ENABLED',
        Targets: [{ Arn: { 'Fn::GetAtt': [logicalId(runner), 'Arn'] }, Id: expect.any(String) }],
      });
      deployed.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [logicalId(runner), 'Arn'] },
        SourceArn: { 'Fn::GetAtt': [logicalId(rule), 'Arn'] },
      });
      const hourly = synthesize({ reverifySchedule: 'cron(0 * * * ? *)' });
      expect(resource(hourly.resources, hourly.stack.reverification.rule).Properties.ScheduleExpression).toBe('cron(0 * * * ? *)');
      const fromContext = stackPropsFromContext(new App({ context: { reverifySchedule: 'rate(12 hours)' } }).node);
      const twiceDaily = synthesize(fromContext);
      expect(resource(twiceDaily.resources, twiceDaily.stack.reverification.rule).Properties.ScheduleExpression).toBe('rate(12 hours)');
    });

    it('is a function like the others: Node.js 22 on arm64, the same settings, its own log group; a failed run is not retried', () => {
      const { Properties } = resource(resources, runner);
      expect(Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', MemorySize: 1024, Timeout: 900 });
      expect(Properties.Environment.Variables).toEqual(resource(resources, pipeline.worker).Properties.Environment.Variables);
      expect(resources[Properties.LoggingConfig.LogGroup.Ref]?.Properties.RetentionInDays).toBe(365);
      deployed.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalId(runner) },
        MaximumRetryAttempts: 0,
      });
    });

    const bucket = logicalId(storage.bucket);
    const [dumps, verdicts, postings, keys] = [tables.dumps, tables.verdicts, tables.postings, tables.keys].map(logicalId) as [string, string, string, string];
    const read = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query'];
    const write = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
    const on = (actions: string[], ...targets: string[]) => actions.flatMap((a) => targets.map((t) => `${a} ${t}`));
    /** What queueing a re-verification takes: reading the store and the archive, the dumps, sending work. */
    const queueing = [
      ...on(read, dumps, verdicts, postings, keys),
      `dynamodb:Query ${dumps}/index/${DUMPS_TABLE.byStart.indexName}`,
      `s3:GetObject ${bucket}/uploads/*`,
      `sqs:SendMessage ${logicalId(pipeline.workQueue)}`,
    ];

    it('reads the store, the dumps and the archive, writes only the archive (the key watch), sends only work', () => {
      const group = resource(resources, runner).Properties.LoggingConfig.LogGroup.Ref as string;
      expect(grants(runner)).toEqual(
        [...on(['logs:CreateLogStream', 'logs:PutLogEvents'], group), ...queueing, ...on(write, keys)].sort(),
      );
    });

    it('grants the same queueing to the API, for its on-demand runs', () => {
      const granted = grants(stack.api.handler);
      for (const grant of queueing) expect(granted).toContain(grant);
    });
  });

  describe('the HTTP API', () => {
    const { api } = stack;
    const routesOf = (synthesized: { resources: Record<string, Resource> }, httpApi: IConstruct) =>
      ofType(synthesized.resources, 'AWS::ApiGatewayV2::Route')
        .map(([, route]) => route.Properties)
        .filter((route) => route.ApiId.Ref === logicalId(httpApi));
    const routeKeys = (endpoints: readonly { method: string; path: string }[]) => endpoints.map(({ method, path }) => `${method} ${path}`).sort();
    const isPublic = (route: Record<string, unknown>) => ENDPOINTS.some((endpoint) => endpoint.access === 'public' && `${endpoint.method} ${endpoint.path}` === route.RouteKey);
    const forScripts = ENDPOINTS.filter((endpoint) => endpoint.access !== 'public' || endpoint.path === '/openapi.json');

    it('serves the page and every endpoint from one API, and the data routes to scripts from another, both in front of the API function (payload format 2.0)', () => {
      const apis = ofType(resources, 'AWS::ApiGatewayV2::Api');
      expect(apis.map(([id]) => id).sort()).toEqual([logicalId(api.httpApi), logicalId(api.scriptApi)].sort());
      for (const [, httpApi] of apis) expect(httpApi.Properties).toMatchObject({ ProtocolType: 'HTTP' });
      expect(routesOf(deployed, api.httpApi).map((route) => route.RouteKey).sort()).toEqual(routeKeys(ENDPOINTS));
      // Scripts get the data and the API's description, not the page.
      expect(routesOf(deployed, api.scriptApi).map((route) => route.RouteKey).sort()).toEqual(routeKeys(forScripts));
      const integrations = ofType(resources, 'AWS::ApiGatewayV2::Integration');
      expect(integrations).toHaveLength(2);
      for (const [integrationId, integration] of integrations) {
        expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0', IntegrationUri: { 'Fn::GetAtt': [logicalId(api.handler), 'Arn'] } });
        const routes = ofType(resources, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties).filter((route) => route.ApiId.Ref === integration.Properties.ApiId.Ref);
        for (const route of routes) expect(route.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
      }
    });

    it("authorises the page API's data routes with JWTs from the stack's user pool, the scripts' with IAM; the page, its sign-in settings and the API description are open", () => {
      const signIn = api.signIn!;
      const authorizers = ofType(resources, 'AWS::ApiGatewayV2::Authorizer');
      expect(authorizers).toHaveLength(1);
      const [authorizerId, authorizer] = authorizers[0]!;
      expect(authorizer.Properties).toMatchObject({
        ApiId: { Ref: logicalId(api.httpApi) },
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: logicalId(signIn.userPool) }]] },
          Audience: [{ Ref: logicalId(signIn.client) }],
        },
      });
      const page = routesOf(deployed, api.httpApi);
      expect(page.filter(isPublic).map((route) => route.RouteKey).sort()).toEqual(['GET /', 'GET /auth-config', 'GET /openapi.json', 'GET /report/{file+}']);
      for (const route of page) expect(route, route.RouteKey).toMatchObject(isPublic(route) ? { AuthorizationType: 'NONE' } : { AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      const scripts = routesOf(deployed, api.scriptApi);
      for (const route of scripts) expect(route, route.RouteKey).toMatchObject({ AuthorizationType: isPublic(route) ? 'NONE' : 'AWS_IAM' });
      // IAM grants per route ARN; API Gateway takes no scopes with it.
      for (const route of scripts) expect(route.AuthorizationScopes, route.RouteKey).toBeUndefined();
    });

    it('takes JWTs from an issuer it is given instead, with no user pool; or IAM only, on one API', () => {
      const jwt = synthesize({ apiAuthorisation: { type: 'jwt', issuer: 'https://id.example/realm', audience: ['leakproof', 'reporters'] } });
      expect(ofType(jwt.resources, 'AWS::Cognito::UserPool')).toEqual([]);
      const authorizers = ofType(jwt.resources, 'AWS::ApiGatewayV2::Authorizer');
      expect(authorizers).toHaveLength(1);
      expect(authorizers[0]![1].Properties.JwtConfiguration).toEqual({ Issuer: 'https://id.example/realm', Audience: ['leakproof', 'reporters'] });
      expect(routesOf(jwt, jwt.stack.api.httpApi).filter((route) => !isPublic(route)).every((route) => route.AuthorizationType === 'JWT')).toBe(true);
      expect(routesOf(jwt, jwt.stack.api.scriptApi).filter((route) => !isPublic(route)).every((route) => route.AuthorizationType === 'AWS_IAM')).toBe(true);
      // Not told how the page signs in: GET /auth-config says so, and the page takes a token in its URL.
      expect(resource(jwt.resources, jwt.stack.api.handler).Properties.Environment.Variables).not.toHaveProperty('LEAKPROOF_SIGN_IN');

      const iamOnly = synthesize({ apiAuthorisation: { type: 'iam' } });
      expect(ofType(iamOnly.resources, 'AWS::ApiGatewayV2::Api')).toHaveLength(1);
      expect(iamOnly.stack.api.scriptApi).toBe(iamOnly.stack.api.httpApi);
      expect(ofType(iamOnly.resources, 'AWS::ApiGatewayV2::Authorizer')).toEqual([]);
      expect(ofType(iamOnly.resources, 'AWS::Cognito::UserPool')).toEqual([]);
      const routes = routesOf(iamOnly, iamOnly.stack.api.httpApi);
      expect(routes.map((route) => route.RouteKey).sort()).toEqual(routeKeys(ENDPOINTS));
      for (const route of routes) expect(route, route.RouteKey).toMatchObject({ AuthorizationType: isPublic(route) ? 'NONE' : 'AWS_IAM' });
    });

    it('separates reading from writing with JWT scopes: the POST routes need the write scope, every other data route the read scope', () => {
      const scopesByRoute = (synthesized: ReturnType<typeof synthesize>) =>
        Object.fromEntries(routesOf(synthesized, synthesized.stack.api.httpApi).map((route) => [route.RouteKey as string, (route.AuthorizationScopes as string[] | undefined) ?? null]));
      const read = ['leakproof/read'];
      const write = ['leakproof/write'];
      const expected = {
        'GET /dumps': read,
        'GET /dumps/{id}': read,
        'GET /dumps/{id}/messages': read,
        'GET /dumps/{id}/messages/{messageKey}': read,
        'GET /dumps/{id}/messages/{messageKey}/view': read,
        'GET /dumps/{id}/messages/{messageKey}/original': read,
        'GET /explanations': read,
        'GET /dumps/{id}/export': read,
        'GET /dumps/{id}/exports/{exportId}': read,
        'GET /dumps/{id}/skipped': read,
        'GET /dumps/{id}/documents': read,
        'GET /dumps/{id}/documents/{documentKey}': read,
        'GET /documents/{sha256}': read,
        'GET /keys': read,
        'POST /keys': write,
        'POST /dumps/{id}/reverify': write,
        'GET /openapi.json': null,
        'GET /': null,
        'GET /auth-config': null,
        'GET /report/{file+}': null,
      };
      // The user pool's resource server names them so.
      expect(scopesByRoute(deployed)).toEqual(expected);
      const jwt = { type: 'jwt' as const, issuer: 'https://id.example/realm', audience: ['leakproof'] };
      expect(scopesByRoute(synthesize({ apiAuthorisation: jwt }))).toEqual(expected);
      const named = scopesByRoute(synthesize({ apiAuthorisation: { ...jwt, scopes: { read: 'api://leakproof/Verdicts.Read', write: 'api://leakproof/Keys.Write' } } }));
      expect(named['GET /dumps/{id}/messages']).toEqual(['api://leakproof/Verdicts.Read']);
      expect(named['POST /keys']).toEqual(['api://leakproof/Keys.Write']);
      expect(named['POST /dumps/{id}/reverify']).toEqual(['api://leakproof/Keys.Write']);
    });

    it('throttles both default stages (20 requests a second, bursts of 40, unless told otherwise) and logs every request', () => {
      const stages = ofType(resources, 'AWS::ApiGatewayV2::Stage');
      expect(stages.map(([, stage]) => stage.Properties.ApiId.Ref).sort()).toEqual([logicalId(api.httpApi), logicalId(api.scriptApi)].sort());
      for (const [, { Properties }] of stages) {
        expect(Properties).toMatchObject({ StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 } });
        const format = JSON.parse(Properties.AccessLogSettings.Format);
        expect(format).toMatchObject({ requestId: '$context.requestId', route: '$context.routeKey', status: '$context.status' });
        // Routes, not paths: paths hold dump ids and message locators.
        expect(Properties.AccessLogSettings.Format).not.toContain('$context.path');
        expect(resources[Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0]]?.Properties.RetentionInDays).toBe(365);
      }
      expect(resource(resources, api.stage).Properties.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalId(api.accessLogs), 'Arn'] });

      const busier = synthesize({ apiRateLimit: 200, apiBurstLimit: 400 });
      for (const [, stage] of ofType(busier.resources, 'AWS::ApiGatewayV2::Stage')) expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 });
      expect(() => synthesize({ apiRateLimit: 0 })).toThrow(/apiRateLimit/);
      expect(() => synthesize({ apiBurstLimit: 5001 })).toThrow(/apiBurstLimit/);
    });

    it("runs its function like the others, within API Gateway's 30 s, told the same settings and where exports and the page's sign-in are", () => {
      const { Properties } = resource(resources, api.handler);
      expect(Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', MemorySize: 1024, Timeout: 29 });
      const { EXPORT_QUEUE_URL, LEAKPROOF_SIGN_IN, ...usual } = Properties.Environment.Variables;
      expect(usual).toEqual(resource(resources, pipeline.worker).Properties.Environment.Variables);
      expect(EXPORT_QUEUE_URL).toEqual({ Ref: logicalId(api.exportQueue) });
      // JSON with the pool's client id, the hosted UI's endpoints and the read scope, resolved at deploy time.
      const parts = (LEAKPROOF_SIGN_IN as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      const text = parts.map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part)}>`)).join('');
      expect(text).toContain(`"clientId":"<${JSON.stringify({ Ref: logicalId(api.signIn!.client) })}>"`);
      expect(text).toMatch(/"authorizationEndpoint":"https:\/\/<[^>]+>\.auth\.<[^>]+>\.amazoncognito\.com\/oauth2\/authorize"/);
      expect(text).toMatch(/"tokenEndpoint":"https:\/\/<[^>]+>\.auth\.<[^>]+>\.amazoncognito\.com\/oauth2\/token"/);
      expect(text).toContain('"scopes":["leakproof/read"]');
      expect(resources[Properties.LoggingConfig.LogGroup.Ref]?.Properties.RetentionInDays).toBe(365);
      deployed.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [logicalId(api.handler), 'Arn'] },
      });
    });

    it("grants its function reading the store (large records from records/) and the archive, writing the archive (key imports), queueing re-verification and exports, and writing and reading exports' states: nothing else", () => {
      const bucket = logicalId(storage.bucket);
      const tablesAndDesigns = [
        [tables.dumps, DUMPS_TABLE],
        [tables.verdicts, VERDICTS_TABLE],
        [tables.postings, POSTINGS_TABLE],
        [tables.keys, KEYS_TABLE],
      ] as const;
      const read = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query'];
      const write = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
      const group = resource(resources, api.handler).Properties.LoggingConfig.LogGroup.Ref as string;
      expect(grants(api.handler)).toEqual(
        [
          `logs:CreateLogStream ${group}`,
          `logs:PutLogEvents ${group}`,
          ...tablesAndDesigns.flatMap(([table]) => read.map((action) => `${action} ${logicalId(table)}`)),
          ...tablesAndDesigns.flatMap(([table, design]) => indexesOf(design).map((index) => `dynamodb:Query ${logicalId(table)}/index/${index.indexName}`)),
          ...write.map((action) => `${action} ${logicalId(tables.keys)}`),
          `s3:GetObject ${bucket}/uploads/*`,
          `s3:PutObject ${bucket}/exports/*`,
          `s3:GetObject ${bucket}/exports/*`,
          `s3:GetObject ${bucket}/records/*`,
          `sqs:SendMessage ${logicalId(pipeline.workQueue)}`,
          ...['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].map((action) => `${action} ${logicalId(api.exportQueue)}`),
        ].sort(),
      );
    });

    it("signs the page in with a user pool of invited users with MFA, a resource server of the two scopes, the page's public code-flow client and a hosted UI", () => {
      const signIn = api.signIn!;
      const pool = resource(resources, signIn.userPool);
      expect(pool.Properties).toMatchObject({
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        Policies: { PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
        UsernameAttributes: ['email'],
        DeletionProtection: 'ACTIVE',
      });
      expect(pool.DeletionPolicy).toBe('Retain');
      expect(resource(resources, signIn.resourceServer).Properties).toMatchObject({
        Identifier: 'leakproof',
        UserPoolId: { Ref: logicalId(signIn.userPool) },
        Scopes: [expect.objectContaining({ ScopeName: 'read' }), expect.objectContaining({ ScopeName: 'write' })],
      });
      const client = resource(resources, signIn.client).Properties;
      expect(client).toMatchObject({
        UserPoolId: { Ref: logicalId(signIn.userPool) },
        GenerateSecret: false,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['code'],
        SupportedIdentityProviders: ['COGNITO'],
        PreventUserExistenceErrors: 'ENABLED',
        // Back to the page's own address: the API's default stage URL.
        CallbackURLs: [stack.resolve(api.url)],
        LogoutURLs: [stack.resolve(api.url)],
      });
      // The page may ask for reading only; writing stays with IAM, or a client an administrator adds.
      expect(client.AllowedOAuthScopes).toEqual([{ 'Fn::Join': ['', [{ Ref: logicalId(signIn.resourceServer) }, '/read']] }]);
      expect(client.ExplicitAuthFlows ?? []).not.toContain('ALLOW_USER_PASSWORD_AUTH');
      const [[, domain]] = ofType(resources, 'AWS::Cognito::UserPoolDomain') as [[string, Resource]];
      expect(domain.Properties.UserPoolId).toEqual({ Ref: logicalId(signIn.userPool) });
      expect(JSON.stringify(domain.Properties.Domain)).toContain('leakproof');
      const named = synthesize({ apiAuthorisation: { type: 'cognito', domainPrefix: 'leakproof-newsroom' } });
      expect(ofType(named.resources, 'AWS::Cognito::UserPoolDomain')[0]![1].Properties.Domain).toBe('leakproof-newsroom');
    });

    it('writes exports with a function of its own, fed one job at a time from the export queue, granted reading the dump and writing exports/', () => {
      const exporter = resource(resources, api.exporter).Properties;
      expect(exporter).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: 1769, Timeout: 900 });
      expect(exporter.Environment.Variables).toEqual(resource(resources, pipeline.worker).Properties.Environment.Variables);
      deployed.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(api.exportQueue), 'Arn'] },
        FunctionName: { Ref: logicalId(api.exporter) },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 5 },
      });
      const queue = resource(resources, api.exportQueue).Properties;
      // Hidden for the function's 15 minutes and one more; three deliveries within the hour a queued export waits.
      expect(queue.VisibilityTimeout).toBe(960);
      expect(3 * queue.VisibilityTimeout).toBeLessThanOrEqual(3600);
      expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(api.exportDeadLetterQueue), 'Arn'] }, maxReceiveCount: 3 });
      const bucket = logicalId(storage.bucket);
      const group = exporter.LoggingConfig.LogGroup.Ref as string;
      const read = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query'];
      expect(grants(api.exporter)).toEqual(
        [
          `logs:CreateLogStream ${group}`,
          `logs:PutLogEvents ${group}`,
          ...[tables.dumps, tables.verdicts].flatMap((table) => read.map((action) => `${action} ${logicalId(table)}`)),
          ...['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'].map((action) => `${action} ${bucket}/exports/*`),
          `s3:GetObject ${bucket}/records/*`,
          ...['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'].map((action) => `${action} ${logicalId(api.exportQueue)}`),
        ].sort(),
      );
    });

    it('is clean under cdk-nag with an issuer given and with IAM only, too', () => {
      for (const apiAuthorisation of [{ type: 'iam' as const }, { type: 'jwt' as const, issuer: 'https://id.example/realm', audience: ['leakproof'] }]) {
        const { violations } = new AwsSolutionsChecks().validateScope(synthesize({ apiAuthorisation }).stack);
        expect(violations.map((v) => v.ruleName), apiAuthorisation.type).toEqual([]);
      }
    });
  });
});

describe('outputs', () => {
  it('name the bucket, the uploads prefix, the queues, the tables, the APIs and the sign-in', () => {
    expect(deployed.outputs).toEqual({
      DumpsBucket: { Value: { Ref: logicalId(storage.bucket) } },
      UploadsPrefix: { Value: 'uploads/' },
      WorkQueueUrl: { Value: { Ref: logicalId(pipeline.workQueue) } },
      DeadLetterQueueUrl: { Value: { Ref: logicalId(pipeline.deadLetterQueue) } },
      DumpsTable: { Value: { Ref: logicalId(tables.dumps) } },
      VerdictsTable: { Value: { Ref: logicalId(tables.verdicts) } },
      PostingsTable: { Value: { Ref: logicalId(tables.postings) } },
      KeysTable: { Value: { Ref: logicalId(tables.keys) } },
      ApiUrl: { Value: stack.resolve(stack.api.url) },
      ScriptApiUrl: { Value: stack.resolve(stack.api.scriptUrl) },
      UserPoolId: { Value: { Ref: logicalId(stack.api.signIn!.userPool) } },
      ReportPageClientId: { Value: { Ref: logicalId(stack.api.signIn!.client) } },
      SignInUrl: { Value: stack.resolve(stack.api.signIn!.domain.baseUrl()) },
      AlarmTopicArn: { Value: { Ref: logicalId(stack.alarms.topic) } },
    });
  });
});

describe('cdk-nag AWS Solutions', () => {
  /** cdk-nag 3 reports through CDK's validation plugins, not annotations: run the pack on the stack directly. */
  function findings(scope: IConstruct) {
    const { violations } = new AwsSolutionsChecks().validateScope(scope);
    const list = (severity: string) =>
      violations
        .filter((v) => v.severity === severity)
        .map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    return { errors: list('error'), warnings: list('warning') };
  }

  it('finds nothing unacknowledged in the stack', () => {
    expect(findings(stack)).toEqual({ errors: [], warnings: [] });
  });

  it('finds what it should in a careless stack (the check above can fail)', () => {
    const careless = new Stack(new App(), 'Careless');
    new s3.Bucket(careless, 'Open');
    const { errors } = findings(careless);
    expect(errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AwsSolutions-S1:/), expect.stringMatching(/^AwsSolutions-S10:/)]),
    );
  });

  it('lets the app synthesize with the pack registered, as infra/app.ts does', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const registered = new LeakproofStack(app, 'Leakproof');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
    expect(() => app.synth()).not.toThrow();
    // The acknowledgements and their reasons reach the template, for the audit trail.
    const worker = Template.fromStack(registered).toJSON().Resources[logicalId(registered.pipeline.worker)];
    expect(worker.Metadata.cdk_nag.rules_to_suppress).toContainEqual({
      id: 'AwsSolutions-L1',
      reason: expect.stringContaining('Node.js 22'),
    });
  });

  it('and CDK itself warns about nothing', () => {
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('settings from CDK context', () => {
  const fromContext = (context: Record<string, unknown>) => stackPropsFromContext(new App({ context }).node);

  it('reads -c values (strings) and cdk.json values (JSON)', () => {
    expect(
      fromContext({ workerConcurrency: '100', maxReceiveCount: 3, logRetention: '30', offline: 'true' }),
    ).toEqual({ workerConcurrency: 100, maxReceiveCount: 3, logRetention: RetentionDays.ONE_MONTH, offline: true });
    expect(fromContext({})).toEqual({
      workerConcurrency: undefined,
      maxReceiveCount: undefined,
      logRetention: undefined,
      offline: undefined,
    });
  });

  it('refuses what it cannot use', () => {
    expect(() => fromContext({ workerConcurrency: 'many' })).toThrow(/workerConcurrency/);
    expect(() => fromContext({ logRetention: '31' })).toThrow(/logRetention/);
    expect(() => fromContext({ offline: 'yes' })).toThrow(/offline/);
    expect(() => fromContext({ reverifySchedule: 'daily' })).toThrow(/reverifySchedule/);
    expect(() => fromContext({ reverifySchedule: 'rate(1 fortnight)' })).toThrow(/reverifySchedule/);
  });

  it("reads the API's authorisation and throttling", () => {
    expect(fromContext({ apiAuth: 'iam', apiRateLimit: '100', apiBurstLimit: 250 })).toMatchObject({
      apiAuthorisation: { type: 'iam' },
      apiRateLimit: 100,
      apiBurstLimit: 250,
    });
    const jwt = { apiAuth: 'jwt', jwtIssuer: 'https://login.example/tenant', jwtAudience: 'leakproof, reporters' };
    expect(fromContext(jwt).apiAuthorisation).toEqual({
      type: 'jwt',
      issuer: 'https://login.example/tenant',
      audience: ['leakproof', 'reporters'],
      scopes: { read: 'leakproof/read', write: 'leakproof/write' },
    });
    expect(fromContext({ ...jwt, jwtReadScope: 'verdicts:read', jwtWriteScope: 'keys:write' }).apiAuthorisation).toMatchObject({ scopes: { read: 'verdicts:read', write: 'keys:write' } });
    expect(fromContext({ ...jwt, jwtAudience: ['leakproof'] }).apiAuthorisation).toMatchObject({ audience: ['leakproof'] });
    expect(fromContext({}).apiAuthorisation).toBeUndefined();
    // JWTs by default, from a user pool the stack makes, whose hosted UI's domain may be named.
    expect(fromContext({ apiAuth: 'jwt' }).apiAuthorisation).toEqual({ type: 'cognito' });
    expect(fromContext({ authDomainPrefix: 'leakproof-newsroom' }).apiAuthorisation).toEqual({ type: 'cognito', domainPrefix: 'leakproof-newsroom' });
    // Another issuer's client for the page: all three settings.
    const page = { jwtClientId: 'report-page', jwtAuthorizationEndpoint: 'https://login.example/tenant/authorize', jwtTokenEndpoint: 'https://login.example/tenant/token' };
    expect(fromContext({ ...jwt, ...page }).apiAuthorisation).toMatchObject({
      signIn: { issuer: 'https://login.example/tenant', clientId: 'report-page', authorizationEndpoint: page.jwtAuthorizationEndpoint, tokenEndpoint: page.jwtTokenEndpoint, scopes: ['leakproof/read'] },
    });
    const stack = new LeakproofStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Jwt', fromContext(jwt));
    expect(ofType(Template.fromStack(stack).toJSON().Resources, 'AWS::ApiGatewayV2::Authorizer')).toHaveLength(1);
  });

  it("refuses API settings it cannot use", () => {
    expect(() => fromContext({ apiAuth: 'basic' })).toThrow(/apiAuth/);
    expect(() => fromContext({ apiAuth: 'jwt', jwtAudience: 'leakproof' })).toThrow(/jwtIssuer/);
    expect(() => fromContext({ apiAuth: 'jwt', jwtIssuer: 'http://login.example', jwtAudience: 'leakproof' })).toThrow(/jwtIssuer/);
    expect(() => fromContext({ apiAuth: 'jwt', jwtIssuer: 'https://login.example' })).toThrow(/jwtAudience/);
    expect(() => fromContext({ apiAuth: 'jwt', jwtIssuer: 'https://login.example', jwtAudience: ' , ' })).toThrow(/jwtAudience/);
    expect(() => fromContext({ jwtIssuer: 'https://login.example' })).toThrow(/jwtAudience/);
    expect(() => fromContext({ jwtReadScope: 'leakproof/read' })).toThrow(/with jwtIssuer/);
    expect(() => fromContext({ apiAuth: 'iam', authDomainPrefix: 'leakproof-x' })).toThrow(/apiAuth=jwt/);
    expect(() => fromContext({ ...{ jwtIssuer: 'https://login.example', jwtAudience: 'a' }, authDomainPrefix: 'leakproof-x' })).toThrow(/authDomainPrefix/);
    for (const prefix of ['Leakproof', 'my-aws-login', '-leakproof', 'a'.repeat(64), 7]) expect(() => fromContext({ authDomainPrefix: prefix }), String(prefix)).toThrow(/authDomainPrefix/);
    const issuer = { jwtIssuer: 'https://login.example', jwtAudience: 'a' };
    expect(() => fromContext({ ...issuer, jwtClientId: 'page' })).toThrow(/go together/);
    expect(() => fromContext({ ...issuer, jwtClientId: 'page', jwtAuthorizationEndpoint: 'http://login.example/authorize', jwtTokenEndpoint: 'https://login.example/token' })).toThrow(/go together/);
    expect(() => fromContext({ apiAuth: 'iam', jwtWriteScope: 'leakproof/write' })).toThrow(/apiAuth=jwt/);
    const jwt = { apiAuth: 'jwt', jwtIssuer: 'https://login.example', jwtAudience: 'leakproof' };
    expect(() => fromContext({ ...jwt, jwtReadScope: 'leakproof/read leakproof/write' })).toThrow(/jwtReadScope/);
    expect(() => fromContext({ ...jwt, jwtWriteScope: '' })).toThrow(/jwtWriteScope/);
    expect(() => fromContext({ ...jwt, jwtWriteScope: 7 })).toThrow(/jwtWriteScope/);
    expect(() => fromContext({ ...jwt, jwtReadScope: 'leakproof', jwtWriteScope: 'leakproof' })).toThrow(/must differ/);
    expect(() => fromContext({ apiRateLimit: 'fast' })).toThrow(/apiRateLimit/);
  });
});

describe('failures are visible', () => {
  const { alarms } = stack;
  const splitter = resource(resources, pipeline.splitter);
  const recorder = resource(resources, pipeline.splitFailureRecorder);
  const arn = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });

  it("sends the splitter's S3 events that fail on every attempt (three, within six hours) to the split failure queue", () => {
    const configs = ofType(resources, 'AWS::Lambda::EventInvokeConfig').filter(([, config]) => config.Properties.FunctionName.Ref === logicalId(pipeline.splitter));
    expect(configs).toHaveLength(1);
    expect(configs[0]![1].Properties).toEqual({
      FunctionName: { Ref: logicalId(pipeline.splitter) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arn(pipeline.splitFailureQueue) } },
    });
  });

  it('lets the splitter call itself through the split queue past Lambda\'s loop detection; no other function', () => {
    expect(splitter.Properties.RecursiveLoop).toBe('Allow');
    const others = ofType(resources, 'AWS::Lambda::Function').filter(([id]) => id !== logicalId(pipeline.splitter));
    expect(others.length).toBeGreaterThan(3);
    for (const [, fn] of others) expect(fn.Properties.RecursiveLoop).toBeUndefined();
  });

  it('records failed splits from both the failure queue and the split dead-letter queue, in batches with partial failures', () => {
    for (const queue of [pipeline.splitFailureQueue, pipeline.splitDeadLetterQueue]) {
      deployed.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arn(queue),
        FunctionName: { Ref: logicalId(pipeline.splitFailureRecorder) },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      // Lambda refuses an event source whose queue hides a message for less than the function's timeout.
      expect(resource(resources, queue).Properties.VisibilityTimeout).toBeGreaterThanOrEqual(recorder.Properties.Timeout);
    }
    expect(recorder.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: 256, Timeout: 60 });
  });

  it('keeps every queue when the stack is deleted, as the bucket and the tables', () => {
    const queues = ofType(resources, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(7);
    for (const [id, queue] of queues) {
      expect(queue.DeletionPolicy, id).toBe('Retain');
      expect((queue as Resource & { UpdateReplacePolicy?: string }).UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  /** Alarms by what they watch: a queue's or function's or table's logical id, or a metric name. */
  const alarmResources = ofType(resources, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
  const topic = { Ref: logicalId(alarms.topic) };

  it('every alarm goes off at one occurrence in five minutes, and tells the topic when it goes off and when it clears', () => {
    expect(alarmResources.length).toBeGreaterThan(0);
    for (const alarm of alarmResources) {
      expect(alarm).toMatchObject({
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
        OKActions: [topic],
      });
    }
  });

  it("watches every dead-letter queue's messages: waiting, in flight, or received by its recorder", () => {
    const queueAlarms = alarmResources.filter((alarm) => alarm.Metrics?.[0]?.Expression?.includes('visible'));
    const watched = queueAlarms.map((alarm) => {
      const metrics = (alarm.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: { 'Fn::GetAtt': string[] } }[] } } }[]).filter((m) => m.MetricStat);
      const names = metrics.map((m) => m.MetricStat!.Metric.MetricName).sort();
      expect(names).toEqual(['ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesVisible', 'NumberOfMessagesReceived']);
      const queues = new Set(metrics.map((m) => m.MetricStat!.Metric.Dimensions[0]!.Value['Fn::GetAtt'][0]));
      expect(queues.size).toBe(1);
      expect(alarm.Metrics[0].Expression).toBe('FILL(visible, 0) + FILL(inFlight, 0) + FILL(received, 0)');
      return [...queues][0];
    });
    expect(watched.sort()).toEqual([pipeline.deadLetterQueue, pipeline.splitDeadLetterQueue, pipeline.splitFailureQueue, stack.api.exportDeadLetterQueue].map(logicalId).sort());
  });

  it('watches dumps marked failed, by the metric the recorder and the splitter publish', () => {
    expect(alarmResources).toContainEqual(
      expect.objectContaining({ Namespace: 'Leakproof', MetricName: 'DumpsFailed', Statistic: 'Sum', Period: 300, Dimensions: [{ Name: 'service', Value: 'leakproof' }] }),
    );
  });

  it("watches every function's errors and throttles: the pipeline's, the re-verification runner's, the API's", () => {
    const functions = ofType(resources, 'AWS::Lambda::Function').filter(([, fn]) => String(fn.Properties.Runtime).startsWith('nodejs')).map(([id]) => id);
    expect(functions).toEqual(expect.arrayContaining([pipeline.splitter, pipeline.worker, pipeline.deadLetterRecorder, pipeline.splitFailureRecorder, stack.reverification.runner].map(logicalId)));
    for (const metricName of ['Errors', 'Throttles']) {
      const watched = alarmResources
        .filter((alarm) => alarm.Namespace === 'AWS/Lambda' && alarm.MetricName === metricName)
        .map((alarm) => alarm.Dimensions[0].Value.Ref as string);
      expect(watched.sort(), metricName).toEqual([...functions].sort());
    }
  });

  it("watches every table's throttled requests, over the operations the functions call", () => {
    const watched = alarmResources
      .filter((alarm) => alarm.Metrics?.some((m: { MetricStat?: { Metric: { MetricName: string } } }) => m.MetricStat?.Metric.MetricName === 'ThrottledRequests'))
      .map((alarm) => {
        const stats = (alarm.Metrics as { MetricStat?: { Metric: { Dimensions: { Name: string; Value: any }[] } } }[]).filter((m) => m.MetricStat);
        const operations = stats.map((m) => m.MetricStat!.Metric.Dimensions.find((d) => d.Name === 'Operation')!.Value).sort();
        expect(operations).toEqual(['BatchGetItem', 'BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'TransactWriteItems', 'UpdateItem']);
        return stats[0]!.MetricStat!.Metric.Dimensions.find((d) => d.Name === 'TableName')!.Value.Ref as string;
      });
    expect(watched.sort()).toEqual([tables.dumps, tables.verdicts, tables.postings, tables.keys].map(logicalId).sort());
  });

  it('tells an SNS topic encrypted with a rotated key of its own, which CloudWatch of this account may use; plain HTTP refused', () => {
    const topicResource = resource(resources, alarms.topic);
    expect(topicResource.Properties.KmsMasterKeyId).toEqual(arn(alarms.key));
    const key = resource(resources, alarms.key);
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const onlyThisAccount = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: onlyThisAccount }),
    );
    deployed.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: onlyThisAccount }),
        ]),
      },
    });
  });

  it('subscribes the e-mail address of -c alarmEmail, and none without it', () => {
    deployed.template.resourceCountIs('AWS::SNS::Subscription', 0);
    const told = synthesize({ alarmEmail: 'oncall@example.org' });
    told.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.org', TopicArn: { Ref: logicalId(told.stack.alarms.topic) } });
    const fromContext = (context: Record<string, unknown>) => stackPropsFromContext(new App({ context }).node);
    expect(fromContext({ alarmEmail: 'oncall@example.org' }).alarmEmail).toBe('oncall@example.org');
    for (const bad of ['oncall', 'on call@example.org', 'a@b@example.org', 'oncall@example', 'oncall@.example.org', 7]) {
      expect(() => fromContext({ alarmEmail: bad }), String(bad)).toThrow(/alarmEmail/);
    }
  });
});
