/** What the Lambda handlers are told through their environment; the stack sets exactly these variables. */
export const SETTING_VARIABLES = {
  bucket: 'DUMPS_BUCKET',
  dumpsTable: 'DUMPS_TABLE',
  verdictsTable: 'VERDICTS_TABLE',
  postingsTable: 'POSTINGS_TABLE',
  keysTable: 'KEYS_TABLE',
  workQueueUrl: 'WORK_QUEUE_URL',
  /** Where a split that runs out of time leaves its continuation for the next splitter invocation. */
  splitQueueUrl: 'SPLIT_QUEUE_URL',
  /** "true" turns live DNS key lookups off: only archived keys are used. */
  offline: 'LEAKPROOF_OFFLINE',
} as const;

/**
 * Optional: how long a batch's counting lease lasts, in ms (dynamo-counters.ts COUNTING_LEASE otherwise). The
 * stack never sets it; the fault-injection suite shortens it to stand for the minutes after a worker died.
 */
export const COUNTING_LEASE_VARIABLE = 'LEAKPROOF_COUNTING_LEASE_MS';

/**
 * The splitter's /tmp in MiB, as the stack gave it (infra/pipeline.ts sets both from one number): its temp copies
 * and extractions follow it (shared/fanout/read-unit.ts lambdaSpoolBytes). Unset: Lambda's default 512.
 */
export const TMP_MIB_VARIABLE = 'LEAKPROOF_TMP_MIB';

export function tmpMiBFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  const value = env[TMP_MIB_VARIABLE];
  if (value === undefined || value === '') return 512;
  const mib = Number(value);
  // Lambda's ephemeral storage: 512 to 10,240 MB.
  if (!Number.isInteger(mib) || mib < 512 || mib > 10_240) throw new Error(`${TMP_MIB_VARIABLE} must be a whole number of MiB from 512 to 10240, not ${JSON.stringify(value)}`);
  return mib;
}

/** Uploads under this prefix trigger the splitter; messages that cannot be read in place are staged under the other. */
export const UPLOADS_PREFIX = 'uploads/';
export const STAGING_PREFIX = 'staging/';
/** Exports the API delivers (GET /dumps/{id}/export), each fetched through a presigned URL; expired after a day. */
export const EXPORTS_PREFIX = 'exports/';
/** Records too large for a DynamoDB item, which their items point to (kept as long as the verdicts). */
export const RECORDS_PREFIX = 'records/';

/**
 * What only the API function is told, beside the settings above: the queue its exports' jobs go to
 * (infra/api.ts sets it).
 */
export const EXPORT_QUEUE_VARIABLE = 'EXPORT_QUEUE_URL';

export function exportQueueUrlFromEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  const value = env[EXPORT_QUEUE_VARIABLE];
  if (!value) throw new Error(`missing setting: environment variable ${EXPORT_QUEUE_VARIABLE} is not set`);
  return value;
}

export interface AwsSettings {
  bucket: string;
  dumpsTable: string;
  verdictsTable: string;
  postingsTable: string;
  keysTable: string;
  workQueueUrl: string;
  splitQueueUrl: string;
  offline: boolean;
  countingLeaseMs: number | null;
}

export function settingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): AwsSettings {
  const read = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`missing setting: environment variable ${name} is not set`);
    return value;
  };
  return {
    bucket: read(SETTING_VARIABLES.bucket),
    dumpsTable: read(SETTING_VARIABLES.dumpsTable),
    verdictsTable: read(SETTING_VARIABLES.verdictsTable),
    postingsTable: read(SETTING_VARIABLES.postingsTable),
    keysTable: read(SETTING_VARIABLES.keysTable),
    workQueueUrl: read(SETTING_VARIABLES.workQueueUrl),
    splitQueueUrl: read(SETTING_VARIABLES.splitQueueUrl),
    offline: env[SETTING_VARIABLES.offline] === 'true',
    countingLeaseMs: leaseMs(env[COUNTING_LEASE_VARIABLE]),
  };
}

function leaseMs(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`${COUNTING_LEASE_VARIABLE} must be a positive whole number of ms, not ${JSON.stringify(value)}`);
  return ms;
}
