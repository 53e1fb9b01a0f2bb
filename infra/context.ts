import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import type { LeakproofStackProps } from './leakproof-stack.ts';

const RETENTION_DAYS = Object.values(RetentionDays).filter((value) => typeof value === 'number');

/**
 * The stack's settings from CDK context (`npx cdk deploy -c workerConcurrency=100 -c offline=true`), read and
 * checked once, here; what is not given keeps the stack's default. `-c` values arrive as strings, cdk.json's
 * as JSON: both are accepted.
 */
export function stackPropsFromContext(node: Node): LeakproofStackProps {
  const integer = (name: string): number | undefined => {
    const raw: unknown = node.tryGetContext(name);
    if (raw === undefined) return undefined;
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value)) throw new Error(`context ${name} must be a whole number, not ${JSON.stringify(raw)}`);
    return value;
  };
  const logRetention = integer('logRetention');
  if (logRetention !== undefined && !RETENTION_DAYS.includes(logRetention)) {
    throw new Error(
      `context logRetention must be one of CloudWatch Logs' retention periods in days (${RETENTION_DAYS.join(', ')}), not ${logRetention}`,
    );
  }
  const offline: unknown = node.tryGetContext('offline');
  if (offline !== undefined && offline !== true && offline !== false && offline !== 'true' && offline !== 'false') {
    throw new Error(`context offline must be true or false, not ${JSON.stringify(offline)}`);
  }
  return {
    workerConcurrency: integer('workerConcurrency'),
    maxReceiveCount: integer('maxReceiveCount'),
    logRetention,
    offline: offline === undefined ? undefined : offline === true || offline === 'true',
  };
}
