import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { API_DEFAULTS, type ApiAuthorisation } from './api.ts';
import type { LeakproofStackProps } from './leakproof-stack.ts';
import { PageSignInSchema, type PageSignIn } from '../shared/api/report-page.ts';

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
    sortedListingIndexes: integer('sortedListingIndexes'),
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
 * `-c apiAuth=jwt` (the default): JWTs from a Cognito user pool the stack creates (`-c authDomainPrefix=…` names
 * its hosted UI's domain), or, with `-c jwtIssuer=https://… -c jwtAudience=a,b` (or a JSON list), from that
 * issuer, with `-c jwtReadScope=… -c jwtWriteScope=…` when it names its scopes otherwise than leakproof/read and
 * leakproof/write, and `-c jwtClientId=… -c jwtAuthorizationEndpoint=https://… -c jwtTokenEndpoint=https://…`
 * for the page to sign in with it. `-c apiAuth=iam`: IAM only, no user pool.
 */
function apiAuthorisationFromContext(node: Node): ApiAuthorisation | undefined {
  const read = (name: string): unknown => node.tryGetContext(name);
  const auth = read('apiAuth');
  const issuerSettings = ['jwtIssuer', 'jwtAudience', 'jwtReadScope', 'jwtWriteScope', ...PAGE_SIGN_IN_SETTINGS];
  /** Refuses whichever of `names` were given: they go with `instead`. */
  const refuseGiven = (names: readonly string[], instead: string) => {
    const misplaced = names.filter((name) => read(name) !== undefined);
    if (misplaced.length > 0) throw new Error(`context ${misplaced.join(', ')} go${misplaced.length === 1 ? 'es' : ''} with ${instead}`);
  };
  if (auth === 'iam') {
    refuseGiven([...issuerSettings, 'authDomainPrefix'], 'apiAuth=jwt, not apiAuth=iam');
    return { type: 'iam' };
  }
  if (auth !== undefined && auth !== 'jwt') throw new Error(`context apiAuth must be jwt or iam, not ${JSON.stringify(auth)}`);
  const issuer = read('jwtIssuer');
  if (issuer === undefined) {
    refuseGiven(issuerSettings, 'jwtIssuer (without it the stack makes a Cognito user pool)');
    const domainPrefix = read('authDomainPrefix');
    if (domainPrefix === undefined) return auth === undefined ? undefined : { type: 'cognito' };
    // Cognito's rule for prefix domains: lower-case letters, digits and hyphens, not at either end, no reserved words.
    if (typeof domainPrefix !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domainPrefix) || /aws|amazon|cognito/.test(domainPrefix)) {
      throw new Error(`context authDomainPrefix must be lower-case letters, digits and hyphens (up to 63, without "aws", "amazon" or "cognito"), not ${JSON.stringify(domainPrefix)}`);
    }
    return { type: 'cognito', domainPrefix };
  }
  if (read('authDomainPrefix') !== undefined) throw new Error('context authDomainPrefix names the Cognito domain the stack makes, which it does not with jwtIssuer');
  if (typeof issuer !== 'string' || !/^https:\/\/\S+$/.test(issuer)) {
    throw new Error(`context jwtIssuer must be the issuer's https:// URL, not ${JSON.stringify(issuer)}`);
  }
  const audience = read('jwtAudience');
  const audiences = Array.isArray(audience) ? audience : typeof audience === 'string' ? audience.split(',').map((a) => a.trim()) : [];
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a === '')) {
    throw new Error(`context jwtAudience must name the audiences (client ids) to accept, comma-separated (with jwtIssuer), not ${JSON.stringify(audience)}`);
  }
  const scopes = { read: scopeFromContext('jwtReadScope', read('jwtReadScope'), API_DEFAULTS.jwtScopes.read), write: scopeFromContext('jwtWriteScope', read('jwtWriteScope'), API_DEFAULTS.jwtScopes.write) };
  if (scopes.read === scopes.write) throw new Error(`context jwtReadScope and jwtWriteScope must differ, or a token that may read may also write (both ${JSON.stringify(scopes.read)})`);
  const signIn = pageSignInFromContext(read, issuer, scopes.read);
  return { type: 'jwt', issuer, audience: audiences as string[], scopes, ...(signIn ? { signIn } : {}) };
}

const PAGE_SIGN_IN_SETTINGS = ['jwtClientId', 'jwtAuthorizationEndpoint', 'jwtTokenEndpoint'] as const;

/** The page's client at another issuer: all three settings, or none (the page then takes a token in its URL). */
function pageSignInFromContext(read: (name: string) => unknown, issuer: string, readScope: string): PageSignIn | undefined {
  const [clientId, authorizationEndpoint, tokenEndpoint] = PAGE_SIGN_IN_SETTINGS.map(read);
  if ([clientId, authorizationEndpoint, tokenEndpoint].every((value) => value === undefined)) return undefined;
  const parsed = PageSignInSchema.safeParse({ issuer, clientId, authorizationEndpoint, tokenEndpoint, scopes: [readScope] });
  const https = (value: unknown) => typeof value === 'string' && value.startsWith('https://');
  if (!parsed.success || !https(authorizationEndpoint) || !https(tokenEndpoint)) {
    throw new Error(`context ${PAGE_SIGN_IN_SETTINGS.join(', ')} go together: the page's public client id at the issuer and its https:// authorisation and token endpoints`);
  }
  return parsed.data;
}

/** An OAuth scope as a token's `scope` claim lists it (RFC 6749 section 3.3: printable ASCII, no space, quote or backslash). */
function scopeFromContext(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(value)) {
    throw new Error(`context ${name} must be one OAuth scope such as ${JSON.stringify(fallback)}, not ${JSON.stringify(value)}`);
  }
  return value;
}
