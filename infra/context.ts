import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { API_DEFAULTS, type ApiAuthorisation } from './api.ts';
import type { LeakproofStackProps } from './leakproof-stack.ts';

/** rate(value unit) or cron(six fields), as EventBridge rules take them. */
const SCHEDULE_EXPRESSION = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(\S+( \S+){5}\))$/;

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
  const reverifySchedule: unknown = node.tryGetContext('reverifySchedule');
  if (reverifySchedule !== undefined && (typeof reverifySchedule !== 'string' || !SCHEDULE_EXPRESSION.test(reverifySchedule))) {
    throw new Error(`context reverifySchedule must be an EventBridge schedule expression such as "rate(1 day)" or "cron(0 3 * * ? *)", not ${JSON.stringify(reverifySchedule)}`);
  }
  const alarmEmail: unknown = node.tryGetContext('alarmEmail');
  if (alarmEmail !== undefined && !isEmailAddress(alarmEmail)) {
    throw new Error(`context alarmEmail must be one e-mail address (the alarms' SNS subscription), not ${JSON.stringify(alarmEmail)}`);
  }
  return {
    workerConcurrency: integer('workerConcurrency'),
    maxReceiveCount: integer('maxReceiveCount'),
    logRetention,
    offline: offline === undefined ? undefined : offline === true || offline === 'true',
    reverifySchedule,
    apiAuthorisation: apiAuthorisationFromContext(node),
    apiRateLimit: integer('apiRateLimit'),
    apiBurstLimit: integer('apiBurstLimit'),
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
  };
}

/** local@domain.tld, no spaces: SNS checks the rest when it sends the confirmation. */
function isEmailAddress(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 254 || /\s/.test(value)) return false;
  const at = value.lastIndexOf('@');
  const domain = value.slice(at + 1);
  return at > 0 && value.indexOf('@') === at && domain.includes('.') && !domain.startsWith('.') && !domain.endsWith('.');
}

/**
 * `-c apiAuth=iam` (the default), or `-c apiAuth=jwt -c jwtIssuer=https://… -c jwtAudience=a,b` (or a JSON list),
 * with `-c jwtReadScope=… -c jwtWriteScope=…` when the issuer names its scopes otherwise than leakproof/read and
 * leakproof/write.
 */
function apiAuthorisationFromContext(node: Node): ApiAuthorisation | undefined {
  const auth: unknown = node.tryGetContext('apiAuth');
  const issuer: unknown = node.tryGetContext('jwtIssuer');
  const audience: unknown = node.tryGetContext('jwtAudience');
  const readScope: unknown = node.tryGetContext('jwtReadScope');
  const writeScope: unknown = node.tryGetContext('jwtWriteScope');
  if (auth === undefined || auth === 'iam') {
    if ([issuer, audience, readScope, writeScope].some((value) => value !== undefined)) {
      throw new Error('context jwtIssuer, jwtAudience, jwtReadScope and jwtWriteScope go with apiAuth=jwt');
    }
    return auth === undefined ? undefined : { type: 'iam' };
  }
  if (auth !== 'jwt') throw new Error(`context apiAuth must be iam or jwt, not ${JSON.stringify(auth)}`);
  if (typeof issuer !== 'string' || !/^https:\/\/\S+$/.test(issuer)) {
    throw new Error(`context jwtIssuer must be the issuer's https:// URL (apiAuth=jwt), not ${JSON.stringify(issuer)}`);
  }
  const audiences = Array.isArray(audience) ? audience : typeof audience === 'string' ? audience.split(',').map((a) => a.trim()) : [];
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a === '')) {
    throw new Error(`context jwtAudience must name the audiences (client ids) to accept, comma-separated (apiAuth=jwt), not ${JSON.stringify(audience)}`);
  }
  const scopes = { read: scopeFromContext('jwtReadScope', readScope, API_DEFAULTS.jwtScopes.read), write: scopeFromContext('jwtWriteScope', writeScope, API_DEFAULTS.jwtScopes.write) };
  if (scopes.read === scopes.write) throw new Error(`context jwtReadScope and jwtWriteScope must differ, or a token that may read may also write (both ${JSON.stringify(scopes.read)})`);
  return { type: 'jwt', issuer, audience: audiences as string[], scopes };
}

/** An OAuth scope as a token's `scope` claim lists it (RFC 6749 section 3.3: printable ASCII, no space, quote or backslash). */
function scopeFromContext(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(value)) {
    throw new Error(`context ${name} must be one OAuth scope such as ${JSON.stringify(fallback)}, not ${JSON.stringify(value)}`);
  }
  return value;
}
