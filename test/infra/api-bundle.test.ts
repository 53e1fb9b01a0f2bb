/**
 * The API Lambda's bundle as `cdk synth` builds it (esbuild, locally): the report page's files must travel in it,
 * beside index.mjs, where the router reads them — checked on the synthesized asset by running the bundled handler.
 */
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_QUEUE_VARIABLE, SETTING_VARIABLES } from '../../shared/adapters/aws/settings.ts';
import { SIGN_IN_VARIABLE } from '../../shared/api/report-page.ts';
import { ENDPOINTS } from '../../shared/api/endpoints.ts';
import { LeakproofStack } from '../../infra/leakproof-stack.ts';
import { httpApiEvent, lambdaContext } from '../helpers/lambda-events.ts';

const REPORT_SOURCES = new URL('../../shared/api/report/', import.meta.url);
const outdir = mkdtempSync(join(tmpdir(), 'leakproof-api-bundle-'));
const savedEnvironment = { ...process.env };
let assetDir: string;

beforeAll(() => {
  const app = new App({ outdir });
  const stack = new LeakproofStack(app, 'Leakproof');
  app.synth();
  const logicalId = stack.getLogicalId(stack.api.handler.node.defaultChild as CfnElement);
  const code = Template.fromStack(stack).toJSON().Resources[logicalId].Properties.Code;
  assetDir = join(outdir, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);
}, 120_000);

afterAll(() => {
  process.env = savedEnvironment;
  rmSync(outdir, { recursive: true, force: true });
});

describe('the API bundle', () => {
  it('carries the report page beside the handler, file for file', () => {
    const sources = readdirSync(REPORT_SOURCES).sort();
    expect(sources).toContain('index.html');
    expect(readdirSync(join(assetDir, 'report')).sort()).toEqual(sources);
    for (const file of sources) expect(readFileSync(join(assetDir, 'report', file)).equals(readFileSync(new URL(file, REPORT_SOURCES))), file).toBe(true);
  });

  it('serves it: the bundled handler answers GET / and GET /report/<file> from its own copy, and GET /auth-config as it is told', async () => {
    for (const variable of Object.values(SETTING_VARIABLES)) process.env[variable] = variable === SETTING_VARIABLES.offline ? 'true' : `test-${variable.toLowerCase()}`;
    const signIn = { issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test', clientId: 'page-client', authorizationEndpoint: 'https://leakproof-test.auth.us-east-1.amazoncognito.com/oauth2/authorize', tokenEndpoint: 'https://leakproof-test.auth.us-east-1.amazoncognito.com/oauth2/token', scopes: ['leakproof/read'] };
    Object.assign(process.env, { AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT', [EXPORT_QUEUE_VARIABLE]: 'test-export-queue', [SIGN_IN_VARIABLE]: JSON.stringify(signIn) });
    const { handler } = (await import(pathToFileURL(join(assetDir, 'index.mjs')).href)) as {
      handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
    };
    const get = (url: string) => handler(httpApiEvent({ url, routes: ENDPOINTS }), lambdaContext({ functionName: 'leakproof-api' }));
    const page = await get('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toBe(readFileSync(new URL('index.html', REPORT_SOURCES), 'utf8'));
    // The page may reach the token endpoint, and nothing else beyond the API.
    expect(page.headers?.['content-security-policy']).toContain("connect-src 'self' https://leakproof-test.auth.us-east-1.amazoncognito.com;");
    const authConfig = await get('/auth-config');
    expect(JSON.parse(authConfig.body ?? '')).toEqual({ signIn });
    for (const file of readdirSync(REPORT_SOURCES).filter((name) => name !== 'index.html')) {
      const response = await get(`/report/${file}`);
      expect(response.statusCode, file).toBe(200);
      expect(response.body, file).toBe(readFileSync(new URL(file, REPORT_SOURCES), 'utf8'));
    }
  });
});
