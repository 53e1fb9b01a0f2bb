/**
 * Finding a stack's bucket and API. CloudFormation has no emulator here, so DescribeStacks is answered by a stub
 * (the shape the SDK returns); `--bucket`/`--api` are exercised for real in test/e2e/cli-upload.test.ts.
 */
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { STACK_OUTPUTS } from '../../../shared/adapters/aws/stack-outputs.ts';
import { apiUrlFor, resolveDeployment } from '../../../cli/deployment.ts';

function stubCloudFormation(outputs: Record<string, string>, status = 'CREATE_COMPLETE') {
  const asked: string[] = [];
  return {
    asked,
    client: {
      async send(command: DescribeStacksCommand) {
        asked.push(command.input.StackName!);
        return { Stacks: [{ StackName: command.input.StackName, StackStatus: status, CreationTime: new Date(), Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] };
      },
    } as never,
  };
}

describe('resolveDeployment', () => {
  it("reads the bucket, uploads prefix and API URLs from the stack's outputs: a token goes to ApiUrl, SigV4 to ScriptApiUrl", async () => {
    const stub = stubCloudFormation({
      DumpsBucket: 'leakproof-dumps-abc',
      UploadsPrefix: 'uploads/',
      ApiUrl: 'https://pagepage01.execute-api.eu-west-1.amazonaws.com/',
      ScriptApiUrl: 'https://script0001.execute-api.eu-west-1.amazonaws.com/',
      KeysTable: 'keys',
    });
    const deployment = await resolveDeployment({ stack: 'Leakproof' }, () => stub.client);
    expect(deployment).toEqual({
      bucket: 'leakproof-dumps-abc',
      uploadsPrefix: 'uploads/',
      apiUrl: 'https://pagepage01.execute-api.eu-west-1.amazonaws.com/',
      scriptApiUrl: 'https://script0001.execute-api.eu-west-1.amazonaws.com/',
    });
    expect(stub.asked).toEqual(['Leakproof']);
    expect(apiUrlFor(deployment, 'a.jwt.token')).toBe('https://pagepage01.execute-api.eu-west-1.amazonaws.com/');
    expect(apiUrlFor(deployment, undefined)).toBe('https://script0001.execute-api.eu-west-1.amazonaws.com/');
  });

  it('a stack from before the script API (its ApiUrl takes IAM) is signed at ApiUrl', async () => {
    const stub = stubCloudFormation({ DumpsBucket: 'b', UploadsPrefix: 'uploads/', ApiUrl: 'https://old0000001.execute-api.us-east-1.amazonaws.com/' });
    expect(apiUrlFor(await resolveDeployment({ stack: 'Old' }, () => stub.client), undefined)).toBe('https://old0000001.execute-api.us-east-1.amazonaws.com/');
  });

  it('names the output a stack lacks', async () => {
    const stub = stubCloudFormation({ DumpsBucket: 'b', UploadsPrefix: 'uploads/' }, 'UPDATE_IN_PROGRESS');
    await expect(resolveDeployment({ stack: 'Other' }, () => stub.client)).rejects.toThrow('stack Other has no ApiUrl output: is it a Leakproof stack, and deployed (status UPDATE_IN_PROGRESS)?');
  });

  it('takes --bucket and --api as given, without asking CloudFormation, and refuses both ways at once', async () => {
    const never = () => {
      throw new Error('CloudFormation asked');
    };
    expect(await resolveDeployment({ bucket: 'b', api: 'http://127.0.0.1:9/' }, never)).toEqual({ bucket: 'b', uploadsPrefix: 'uploads/', apiUrl: 'http://127.0.0.1:9/' });
    expect(await resolveDeployment({ api: 'http://127.0.0.1:9/' }, never)).toEqual({ uploadsPrefix: 'uploads/', apiUrl: 'http://127.0.0.1:9/' });
    expect(apiUrlFor({ uploadsPrefix: 'uploads/', apiUrl: 'http://127.0.0.1:9/' }, undefined)).toBe('http://127.0.0.1:9/');
    await expect(resolveDeployment({ stack: 'S', bucket: 'b' }, never)).rejects.toThrow('give --stack, or --bucket and --api, not both');
  });

  it('reads the output names the stack declares', () => {
    // infra/leakproof-stack.ts names its outputs by these; test/infra checks the template has them.
    expect(STACK_OUTPUTS).toEqual({ bucket: 'DumpsBucket', uploadsPrefix: 'UploadsPrefix', apiUrl: 'ApiUrl', scriptApiUrl: 'ScriptApiUrl' });
  });
});
