import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EXPORT_QUEUE_VARIABLE, EXPORTS_PREFIX, RECORDS_PREFIX } from '../shared/adapters/aws/settings.ts';
import { indexesOf, KEYS_TABLE, VERDICTS_TABLE } from '../shared/adapters/aws/table-design.ts';
import { OPENAPI_PATH } from '../shared/api/create-api.ts';
import { ENDPOINTS, type Endpoint } from '../shared/api/endpoints.ts';
import { SIGN_IN_VARIABLE, type PageSignIn } from '../shared/api/report-page.ts';
import { COGNITO_SCOPES, ReportSignIn } from './auth.ts';
import { handlerFunction, type HandlerDefaults } from './handler-function.ts';
import { acknowledgeObjectWildcards, QUEUE_BASE, TABLE_READ, TABLE_WRITE } from './pipeline.ts';
import type { Reverification } from './reverification.ts';
import type { VerdictTables } from './tables.ts';

/**
 * Who may call the API. `cognito` (the default): bearers of a JWT from the user pool the stack creates for the
 * report page (infra/auth.ts), the page signing in through its hosted UI. `jwt`: bearers of a JWT from another
 * issuer for one of the audiences; the page signs in too when told how (`signIn`). With either, the token's
 * `scope` claim must grant the route: the read scope for the data routes that change nothing, the write scope
 * for those that change the archive or verdicts (POST /keys, POST /dumps/{id}/reverify); and scripts keep IAM
 * through a second API (`scriptApi`). `iam`: one API, AWS principals allowed execute-api:Invoke (SigV4) only.
 */
export type ApiAuthorisation =
  | { type: 'iam' }
  | { type: 'cognito'; domainPrefix?: string }
  | { type: 'jwt'; issuer: string; audience: string[]; scopes?: JwtScopes; signIn?: PageSignIn };

/** OAuth scopes, e.g. a Cognito resource server's "leakproof/read" (its identifier, a slash, the scope's name). */
export interface JwtScopes {
  read: string;
  write: string;
}

export interface LeakproofApiProps {
  /** The dumps bucket: exports are written under exports/ and downloaded from there. */
  bucket: s3.Bucket;
  tables: VerdictTables;
  /** On-demand re-verification queues work as the scheduled runs do: granted the same. */
  reverification: Reverification;
  handlerDefaults: HandlerDefaults;
  authorisation: ApiAuthorisation;
  /** Each API stage's steady request rate (per second) and burst, across all callers. */
  throttle: { rateLimit: number; burstLimit: number };
}

export const API_DEFAULTS = {
  authorisation: { type: 'cognito' },
  jwtScopes: COGNITO_SCOPES,
  rateLimit: 20,
  burstLimit: 40,
} as const;

/** API Gateway gives an integration at most 30 s; the function stops first, so the caller gets its 500, not a 503. */
const API_FUNCTION = { memorySize: 1024, timeout: Duration.seconds(29) };
/**
 * An export job gets Lambda's longest run, 15 minutes (runExport stops a minute before, to record why). Memory
 * buys network and CPU: 1769 MB is one full vCPU.
 */
const EXPORTER = { memorySize: 1769, timeout: Duration.minutes(15) };
/** Exports written at once, at most: each reads the verdicts table at its own pace. */
export const EXPORT_CONCURRENCY = 5;
/**
 * Deliveries of an export job before it is set aside: the runner never fails one for its export's own sake (that
 * is the export's state), so only a throttled invocation or a crash comes back. A message is hidden for the
 * function's timeout and a minute, so three deliveries fit in the hour after which a queued export is failed.
 */
const EXPORT_RECEIVES = 3;

/**
 * The HTTP API: API Gateway's HTTP API, every route of shared/api/endpoints.ts authorised (JWTs, from the stack's
 * Cognito user pool by default, or IAM), throttled on its default stage and access-logged, in front of
 * functions/api.ts, which serves the router `leakproof serve` runs locally. With JWTs a second HTTP API serves
 * the data routes to scripts with IAM (SigV4). The function reads the store and the archive, writes the archive
 * (key imports), queues re-verification and export jobs, and reads exports' states (and presigns their files);
 * the export function (functions/export.ts) writes them from the export queue.
 */
export class LeakproofApi extends Construct {
  /** The API the report page is served from (JWTs, or IAM when that is all there is). */
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** The API for scripts, authorised by IAM: another API with JWTs, the same one with IAM only. */
  readonly scriptApi: apigw.HttpApi;
  readonly scriptStage: apigw.HttpStage;
  readonly handler: NodejsFunction;
  readonly accessLogs: logs.LogGroup;
  readonly routes: apigw.HttpRoute[];
  /** The Cognito user pool and the page's client, unless told of an issuer or IAM only. */
  readonly signIn: ReportSignIn | undefined;
  readonly exportQueue: sqs.Queue;
  readonly exportDeadLetterQueue: sqs.Queue;
  readonly exporter: NodejsFunction;

  constructor(scope: Construct, id: string, props: LeakproofApiProps) {
    super(scope, id);
    // The report page's files go beside the bundle, where shared/api/report-page.ts reads them.
    this.handler = handlerFunction(this, 'Handler', 'functions/api.ts', API_FUNCTION, props.handlerDefaults, (inputDir, outputDir) => [
      `cp -R "${inputDir}/shared/api/report" "${outputDir}/report"`,
    ]);
    props.reverification.grantReverification(this.handler);
    // Message listings query the verdict indexes; GET /keys?domain= the archive's by-domain index.
    const { verdicts, keys } = props.tables;
    const listingIndexes = [
      ...indexesOf(VERDICTS_TABLE).map((index) => `${verdicts.tableArn}/index/${index.indexName}`),
      ...indexesOf(KEYS_TABLE).map((index) => `${keys.tableArn}/index/${index.indexName}`),
    ];
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: listingIndexes }));
    // POST /keys records into the archive.
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: TABLE_WRITE, resources: [keys.tableArn] }));

    ({ queue: this.exportQueue, deadLetterQueue: this.exportDeadLetterQueue, exporter: this.exporter } = this.#exports(props));

    const { authorisation } = props;
    const jwt = authorisation.type !== 'iam';
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: jwt ? 'Leakproof: DKIM verdicts of leaked mailbox dumps, and the report page (JWT)' : 'Leakproof: DKIM verdicts of leaked mailbox dumps, and the report page',
      createDefaultStage: false,
    });
    const page = this.#stage(this.httpApi, 'DefaultStage', 'AccessLogs', props);
    this.stage = page.stage;
    this.accessLogs = page.accessLogs;

    // An integration belongs to one API.
    const integration = (integrationId: string) => new HttpLambdaIntegration(integrationId, this.handler, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 });
    if (authorisation.type === 'iam') {
      this.signIn = undefined;
      this.routes = this.#routes(this.httpApi, ENDPOINTS, integration('Router'), new HttpIamAuthorizer(), null);
      this.scriptApi = this.httpApi;
      this.scriptStage = this.stage;
      return;
    }

    let issuer: string;
    let audience: string[];
    let scopes: JwtScopes;
    let signIn: PageSignIn | undefined;
    if (authorisation.type === 'cognito') {
      this.signIn = new ReportSignIn(this, 'SignIn', { pageUrl: this.stage.url, ...(authorisation.domainPrefix ? { domainPrefix: authorisation.domainPrefix } : {}) });
      issuer = this.signIn.issuer;
      audience = [this.signIn.client.userPoolClientId];
      scopes = COGNITO_SCOPES;
      signIn = this.signIn.pageSignIn;
    } else {
      this.signIn = undefined;
      ({ issuer, audience } = authorisation);
      scopes = authorisation.scopes ?? API_DEFAULTS.jwtScopes;
      signIn = authorisation.signIn;
    }
    // The page learns how to sign in from GET /auth-config (shared/api/report-page.ts).
    if (signIn) this.handler.addEnvironment(SIGN_IN_VARIABLE, Stack.of(this).toJsonString(signIn));
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', issuer, { jwtAudience: audience });
    this.routes = this.#routes(this.httpApi, ENDPOINTS, integration('Router'), authorizer, scopes);

    // Scripts sign requests with IAM: the data routes and the API's description, not the page.
    this.scriptApi = new apigw.HttpApi(this, 'ScriptApi', { description: 'Leakproof: the data routes for scripts (IAM, SigV4)', createDefaultStage: false });
    const script = this.#stage(this.scriptApi, 'ScriptStage', 'ScriptAccessLogs', props);
    this.scriptStage = script.stage;
    const forScripts = ENDPOINTS.filter((endpoint) => endpoint.access !== 'public' || endpoint.path === OPENAPI_PATH);
    this.routes.push(...this.#routes(this.scriptApi, forScripts, integration('ScriptRouter'), new HttpIamAuthorizer(), null));
  }

  /** The API's address (the default stage's URL): the report page, and the data routes. */
  get url(): string {
    return this.stage.url;
  }

  /** The address scripts sign their requests to (IAM). */
  get scriptUrl(): string {
    return this.scriptStage.url;
  }

  #stage(httpApi: apigw.HttpApi, stageId: string, logsId: string, props: LeakproofApiProps): { stage: apigw.HttpStage; accessLogs: logs.LogGroup } {
    const accessLogs = new logs.LogGroup(this, logsId, { retention: props.handlerDefaults.logRetention });
    const stage = new apigw.HttpStage(this, stageId, {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });
    return { stage, accessLogs };
  }

  #routes(
    httpApi: apigw.HttpApi,
    endpoints: readonly Endpoint[],
    integration: HttpLambdaIntegration,
    authorizer: apigw.IHttpRouteAuthorizer,
    scopes: JwtScopes | null,
  ): apigw.HttpRoute[] {
    const noAuthorisation = new apigw.HttpNoneAuthorizer();
    return endpoints.flatMap((endpoint) => {
      const routes = httpApi.addRoutes({
        path: endpoint.path,
        methods: [apigw.HttpMethod[endpoint.method]],
        integration,
        // IAM has no scopes: a principal's policy grants execute-api:Invoke per route ARN instead.
        ...(endpoint.access === 'public'
          ? { authorizer: noAuthorisation }
          : { authorizer, ...(scopes ? { authorizationScopes: [scopes[endpoint.access]] } : {}) }),
      });
      if (endpoint.access === 'public') {
        for (const route of routes) {
          Validations.of(route).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason:
              'Static files of the report page, its sign-in settings (a public client id and endpoints) and the OpenAPI description: no data. ' +
              'A browser opening the page has no token yet; every data route stays authorised.',
          });
        }
      }
      return routes;
    });
  }

  /**
   * Exports as jobs: the API function records an export as queued and sends its job to the export queue; the
   * export function writes the file under exports/ and keeps the export's state beside it, which the API reads.
   */
  #exports(props: LeakproofApiProps): { queue: sqs.Queue; deadLetterQueue: sqs.Queue; exporter: NodejsFunction } {
    const { bucket, tables } = props;
    const deadLetterQueue = new sqs.Queue(this, 'ExportDeadLetterQueue', { ...QUEUE_BASE, retentionPeriod: Duration.days(14) });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is the dead-letter queue of the export queue; a job set aside waits here to be inspected (its export is reported failed after an hour).',
    });
    const queue = new sqs.Queue(this, 'ExportQueue', {
      ...QUEUE_BASE,
      visibilityTimeout: EXPORTER.timeout.plus(Duration.minutes(1)),
      // A queued export not started within the hour is failed anyway (EXPORT_QUEUED_MS).
      retentionPeriod: Duration.hours(2),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: EXPORT_RECEIVES },
    });

    const exporter = handlerFunction(this, 'Exporter', 'functions/export.ts', EXPORTER, props.handlerDefaults);
    exporter.addEventSource(new SqsEventSource(queue, { batchSize: 1, maxConcurrency: EXPORT_CONCURRENCY, reportBatchItemFailures: true }));
    // The export reads a dump's records (and its item, to know it; a record too large for an item from records/),
    // and writes the file and its state.
    exporter.addToRolePolicy(new iam.PolicyStatement({ actions: TABLE_READ, resources: [tables.dumps.tableArn, tables.verdicts.tableArn] }));
    exporter.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${RECORDS_PREFIX}*`)] }));
    const exports = bucket.arnForObjects(`${EXPORTS_PREFIX}*`);
    exporter.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'], resources: [exports] }));
    acknowledgeObjectWildcards(
      exporter,
      bucket,
      [EXPORTS_PREFIX, RECORDS_PREFIX],
      (prefix) => `Object keys there are made per export or per record; the grant is for objects under the ${prefix} prefix only.`,
    );

    // The API function records an export as queued and reads its state (GetObject also signs the download URL,
    // which S3 serves only as far as the signer's role may read), and queues its job.
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [exports] }));
    // A message's record too large for an item is read from records/ (dynamo-record-blobs.ts).
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${RECORDS_PREFIX}*`)] }));
    acknowledgeObjectWildcards(
      this.handler,
      bucket,
      [EXPORTS_PREFIX, RECORDS_PREFIX],
      (prefix) => `Export object keys are made per export; the grant is writing states and reading objects under the ${prefix} prefix only.`,
    );
    queue.grantSendMessages(this.handler);
    this.handler.addEnvironment(EXPORT_QUEUE_VARIABLE, queue.queueUrl);
    return { queue, deadLetterQueue, exporter };
  }
}

/**
 * One JSON line per request: who (the IAM principal or the JWT's subject), which route — its template, never
 * the path, which holds dump ids and message locators — the outcome and the time taken.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    time: '$context.requestTime',
    route: '$context.routeKey',
    status: '$context.status',
    bytes: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    sourceIp: '$context.identity.sourceIp',
    iamPrincipal: '$context.identity.userArn',
    jwtSubject: '$context.authorizer.claims.sub',
    error: '$context.error.message',
    authorizerError: '$context.authorizer.error',
    integrationError: '$context.integrationErrorMessage',
  }),
);
