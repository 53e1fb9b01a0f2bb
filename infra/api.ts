import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EXPORTS_PREFIX } from '../shared/adapters/aws/settings.ts';
import { indexesOf, KEYS_TABLE, VERDICTS_TABLE } from '../shared/adapters/aws/table-design.ts';
import { ENDPOINTS } from '../shared/api/endpoints.ts';
import { handlerFunction, type HandlerDefaults } from './handler-function.ts';
import { acknowledgeObjectWildcards, TABLE_WRITE } from './pipeline.ts';
import type { Reverification } from './reverification.ts';
import type { VerdictTables } from './tables.ts';

/**
 * Who may call the API: AWS principals allowed execute-api:Invoke (SigV4), or bearers of a JWT from one issuer
 * for one of the audiences, whose `scope` claim grants the route: the read scope for the data routes that change
 * nothing, the write scope for those that change the archive or verdicts (POST /keys, POST /dumps/{id}/reverify).
 */
export type ApiAuthorisation = { type: 'iam' } | { type: 'jwt'; issuer: string; audience: string[]; scopes?: JwtScopes };

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
  /** The default stage's steady request rate (per second) and burst, across all callers. */
  throttle: { rateLimit: number; burstLimit: number };
}

export const API_DEFAULTS = {
  authorisation: { type: 'iam' },
  jwtScopes: { read: 'leakproof/read', write: 'leakproof/write' },
  rateLimit: 20,
  burstLimit: 40,
} as const;

/** API Gateway gives an integration at most 30 s; the function stops first, so the caller gets its 500, not a 503. */
const API_FUNCTION = { memorySize: 1024, timeout: Duration.seconds(29) };

/**
 * The HTTP API: API Gateway's HTTP API, every route of shared/api/endpoints.ts authorised (IAM by default, or a
 * JWT authoriser), throttled on its default stage and access-logged, in front of functions/api.ts, which
 * serves the router `leakproof serve` runs locally. The function reads the store and the archive, writes the
 * archive (key imports), queues re-verification and writes exports under exports/ (and reads them: the download
 * URL it presigns carries its own credentials); nothing else.
 */
export class LeakproofApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly handler: NodejsFunction;
  readonly accessLogs: logs.LogGroup;
  readonly routes: apigw.HttpRoute[];

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
    // GET /dumps/{id}/export writes a multipart upload under exports/ and presigns a GET of it, which S3 allows
    // only as far as the signer's role does.
    const exports = props.bucket.arnForObjects(`${EXPORTS_PREFIX}*`);
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'], resources: [exports] }));
    acknowledgeObjectWildcards(
      this.handler,
      props.bucket,
      [EXPORTS_PREFIX],
      (prefix) => `Export object keys are made per request; the grant is writing and reading objects under the ${prefix} prefix only.`,
    );

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Leakproof: DKIM verdicts of leaked mailbox dumps, and the report page',
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.handlerDefaults.logRetention });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
    });

    const integration = new HttpLambdaIntegration('Router', this.handler, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 });
    const { authorisation } = props;
    const authorizer =
      authorisation.type === 'jwt' ? new HttpJwtAuthorizer('JwtAuthorizer', authorisation.issuer, { jwtAudience: authorisation.audience }) : new HttpIamAuthorizer();
    // IAM has no scopes: a principal's policy grants execute-api:Invoke per route ARN instead.
    const scopes = authorisation.type === 'jwt' ? (authorisation.scopes ?? API_DEFAULTS.jwtScopes) : null;
    const noAuthorisation = new apigw.HttpNoneAuthorizer();
    this.routes = ENDPOINTS.flatMap((endpoint) => {
      const routes = this.httpApi.addRoutes({
        path: endpoint.path,
        methods: [apigw.HttpMethod[endpoint.method]],
        integration,
        ...(endpoint.access === 'public'
          ? { authorizer: noAuthorisation }
          : { authorizer, ...(scopes ? { authorizationScopes: [scopes[endpoint.access]] } : {}) }),
      });
      if (endpoint.access === 'public') {
        for (const route of routes) {
          Validations.of(route).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: 'Static files of the report page and the OpenAPI description: no data. A browser opening the page cannot sign with IAM; every data route stays authorised.',
          });
        }
      }
      return routes;
    });
  }

  /** The API's address (the default stage's URL). */
  get url(): string {
    return this.stage.url;
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
