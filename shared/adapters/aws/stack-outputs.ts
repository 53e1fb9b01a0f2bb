import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';

/** The stack outputs a client of a deployment reads (infra/leakproof-stack.ts declares them under these names). */
export const STACK_OUTPUTS = {
  bucket: 'DumpsBucket',
  uploadsPrefix: 'UploadsPrefix',
  /** The API as the report page calls it: JWT-authorised by default. */
  apiUrl: 'ApiUrl',
  /** The same routes for SigV4-signed calls (IAM); the same URL as ApiUrl on an IAM-only stack (apiAuth=iam). */
  scriptApiUrl: 'ScriptApiUrl',
} as const;

/** Where a deployed stack takes dumps in and answers about them. */
export interface DeployedStack {
  bucket: string;
  uploadsPrefix: string;
  apiUrl: string;
  /** Absent from stacks deployed before the JWT-authorised page API: their ApiUrl takes IAM. */
  scriptApiUrl?: string;
}

/**
 * Reads a deployed stack's bucket, uploads prefix and API URLs from its CloudFormation outputs (DescribeStacks),
 * so that a user names the stack and nothing else. A stack without them is not a Leakproof stack: an error that
 * says which output is missing.
 */
export async function readDeployedStack(cloudFormation: Pick<CloudFormationClient, 'send'>, stackName: string): Promise<DeployedStack> {
  const { Stacks: stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = stacks[0];
  if (!stack) throw new Error(`no stack named ${stackName}`);
  const outputs = new Map((stack.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  const read = (name: string): string => {
    const value = outputs.get(name);
    if (!value) throw new Error(`stack ${stackName} has no ${name} output: is it a Leakproof stack, and deployed (status ${stack.StackStatus})?`);
    return value;
  };
  const scriptApiUrl = outputs.get(STACK_OUTPUTS.scriptApiUrl);
  return {
    bucket: read(STACK_OUTPUTS.bucket),
    uploadsPrefix: read(STACK_OUTPUTS.uploadsPrefix),
    apiUrl: read(STACK_OUTPUTS.apiUrl),
    ...(scriptApiUrl ? { scriptApiUrl } : {}),
  };
}
