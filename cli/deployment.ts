/**
 * Which deployed stack a command talks to, and how: its bucket and API from the stack's outputs (`--stack`), or
 * given outright (`--bucket`, `--api`); the API authorised by a bearer token (`--token`, $LEAKPROOF_TOKEN) or,
 * with none, signed with the caller's AWS credentials.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { regionOfApiUrl, sigV4Authoriser } from '../shared/adapters/aws/execute-api-signer.ts';
import { UPLOADS_PREFIX } from '../shared/adapters/aws/settings.ts';
import { readDeployedStack } from '../shared/adapters/aws/stack-outputs.ts';
import { bearerAuthoriser, RemoteApi, type RemoteApiOptions } from './remote-api.ts';

export interface DeploymentFlags {
  stack?: string;
  bucket?: string;
  api?: string;
  token?: string;
}

export interface Deployment {
  /** Undefined when only --api was given (summary, export). */
  bucket?: string;
  uploadsPrefix: string;
  /** --api, or the stack's ApiUrl (JWT-authorised by default). */
  apiUrl?: string;
  /** The stack's ScriptApiUrl: the same routes for SigV4-signed calls. */
  scriptApiUrl?: string;
}

/** The stack's outputs when a stack is named, else the flags as given. A stack and a bucket or API at once is ambiguous. */
export async function resolveDeployment(flags: DeploymentFlags, cloudFormation: () => Pick<CloudFormationClient, 'send'> = () => new CloudFormationClient({})): Promise<Deployment> {
  if (flags.stack !== undefined) {
    if (flags.bucket !== undefined || flags.api !== undefined) throw new Error('give --stack, or --bucket and --api, not both');
    const stack = await readDeployedStack(cloudFormation(), flags.stack);
    return stack;
  }
  return { ...(flags.bucket !== undefined ? { bucket: flags.bucket } : {}), uploadsPrefix: UPLOADS_PREFIX, ...(flags.api !== undefined ? { apiUrl: flags.api } : {}) };
}

/**
 * The API URL a caller uses: with a token, the one JWTs are accepted at (ApiUrl); without, the one that takes
 * SigV4 (ScriptApiUrl, which an IAM-only or older stack does not have: its ApiUrl takes IAM). --api is used as given.
 */
export function apiUrlFor(deployment: Deployment, token: string | undefined): string | undefined {
  return token ? deployment.apiUrl : (deployment.scriptApiUrl ?? deployment.apiUrl);
}

/** The API client: the bearer token if there is one, else SigV4 in the API's region (from its URL, else the SDK's configured region). */
export function connectApi(apiUrl: string, token: string | undefined, options: RemoteApiOptions = {}): RemoteApi {
  if (token) return new RemoteApi(apiUrl, bearerAuthoriser(token), options);
  let region: string | undefined;
  try {
    region = regionOfApiUrl(new URL(apiUrl));
  } catch {
    throw new Error(`not an API URL: ${apiUrl}`);
  }
  const configuredRegion = async () => {
    const client = new CloudFormationClient({});
    try {
      return await client.config.region();
    } finally {
      client.destroy();
    }
  };
  return new RemoteApi(apiUrl, sigV4Authoriser(region ?? configuredRegion), options);
}
