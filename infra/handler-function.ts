import { Validations, type Duration, type Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { join } from 'node:path';

/** What every handler of the stack shares: where the code is, how long logs are kept, the settings it reads. */
export interface HandlerDefaults {
  /** The directory holding package-lock.json and functions/: the bundles' project root. */
  projectRoot: string;
  logRetention: logs.RetentionDays;
  /** The variables of shared/adapters/aws/settings.ts and Powertools' own. */
  environment: Record<string, string>;
}

export interface FunctionSize {
  memorySize: number;
  timeout: Duration;
  /** /tmp, when more than Lambda's default 512 MiB. */
  ephemeralStorageSize?: Size;
}

/**
 * One of the stack's Lambda functions: a handler module under functions/ bundled by esbuild (ESM, Node 22,
 * arm64, the SDK package-lock pins), with its own role — granted nothing yet but writing to its own log group.
 * Callers add exactly what the function does. `afterBundling` gives commands that add files beside the bundle.
 */
export function handlerFunction(
  scope: Construct,
  id: string,
  entry: string,
  size: FunctionSize,
  defaults: HandlerDefaults,
  afterBundling?: (inputDir: string, outputDir: string) => string[],
): NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: defaults.logRetention });
  // Its own role rather than AWSLambdaBasicExecutionRole: logs go to this log group only.
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  logGroup.grantWrite(role);
  const fn = new NodejsFunction(scope, id, {
    entry: join(defaults.projectRoot, entry),
    handler: 'handler',
    projectRoot: defaults.projectRoot,
    depsLockFilePath: join(defaults.projectRoot, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    ...size,
    role,
    logGroup,
    environment: defaults.environment,
    bundling: {
      forceDockerBundling: false,
      format: OutputFormat.ESM,
      target: 'node22',
      mainFields: ['module', 'main'],
      banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
      // The SDK version package-lock pins, not whichever the runtime ships.
      bundleAwsSDK: true,
      externalModules: [],
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      ...(afterBundling ? { commandHooks: { beforeBundling: () => [], beforeInstall: () => [], afterBundling } } : {}),
    },
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'Node.js 22 on purpose: the project targets nodejs22.x (the CLI runs on the node@22 devDependency, the same code runs in both).',
  });
  return fn;
}
