/**
 * What the split failure recorder is told, in the two shapes AWS delivers it, turned into which dump failed and
 * why:
 * - an asynchronous invocation record: the splitter's S3 event failed on every attempt Lambda made (or waited
 *   too long), and Lambda's on-failure destination sent the event, the condition and the error to the queue;
 * - a split continuation that failed maxReceiveCount times and was moved to the split dead-letter queue, or a leg
 *   settling a dump's documents (shared/fanout/settle-leg.ts) that did.
 */
import type { S3Event } from 'aws-lambda';
import { settleOrderOf } from '../../fanout/settle-leg.ts';
import { parseSplitLeg } from '../../fanout/split-leg.ts';
import { cutText } from '../../text/cut-text.ts';
import { dumpIdOf, uploadOf, type S3Upload } from './s3-upload.ts';

/** The metric (namespace Leakproof) counting dumps marked failed: what the "dumps failed" alarm watches. */
export const DUMPS_FAILED_METRIC = 'DumpsFailed';

/** Reasons are shown to people and stored on the dump's item: one line, bounded. */
export const MAX_REASON_CHARS = 1_000;

export type SplitFailure =
  /** The upload's dump may not exist yet (the first attempt may have failed before opening it). */
  | { kind: 'upload'; dumpId: string; upload: S3Upload; reason: string }
  | { kind: 'leg'; dumpId: string; leg: number; reason: string };

/** Lambda's invocation record for an on-failure destination (AWS Lambda developer guide, "Invocation records"). */
interface InvocationRecord {
  requestContext?: { condition?: unknown; approximateInvokeCount?: unknown };
  requestPayload?: unknown;
  responsePayload?: unknown;
}

/** The failures a queue message reports: one per upload of an invocation record, or the one continuation. */
export function splitFailuresOf(body: string): SplitFailure[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error('not a split failure: not JSON');
  }
  if (isInvocationRecord(parsed)) return uploadFailures(parsed);
  const settle = settleOrderOf(body);
  if (settle) {
    const reason = `provenance not settled: its settle (leg ${settle.leg + 1}) failed on every delivery and was set aside on the split dead-letter queue; see the splitter's log`;
    return [{ kind: 'leg', dumpId: settle.dumpId, leg: settle.leg, reason }];
  }
  const leg = parseSplitLeg(body);
  const reason = `split failed: its continuation (leg ${leg.leg + 1}) failed on every delivery and was set aside on the split dead-letter queue; see the splitter's log`;
  return [{ kind: 'leg', dumpId: leg.dumpId, leg: leg.leg, reason }];
}

function isInvocationRecord(value: unknown): value is InvocationRecord {
  return typeof value === 'object' && value !== null && 'requestContext' in value && 'requestPayload' in value;
}

function uploadFailures(record: InvocationRecord): SplitFailure[] {
  const event = record.requestPayload as Partial<S3Event> | null;
  if (!Array.isArray(event?.Records)) throw new Error('not a split failure: the invocation record holds no S3 event');
  const attempts = Number.isInteger(record.requestContext?.approximateInvokeCount) ? (record.requestContext!.approximateInvokeCount as number) : undefined;
  const how =
    record.requestContext?.condition === 'EventAgeExceeded'
      ? 'its event grew too old to be tried again'
      : attempts !== undefined
        ? `it failed on all ${attempts} attempts`
        : 'it failed on every attempt';
  const error = errorMessageOf(record.responsePayload);
  const reason = bounded(`split failed: ${how}${error ? `: ${error}` : ''}`);
  return event.Records.filter((s3Record) => s3Record?.s3?.object?.key !== undefined).map((s3Record) => {
    const upload = uploadOf(s3Record);
    return { kind: 'upload', dumpId: dumpIdOf(upload.bucket, upload.key, upload.etag), upload, reason };
  });
}

/** The error the function answered with ({errorType, errorMessage, trace}), when there is one. */
function errorMessageOf(payload: unknown): string | undefined {
  const message = (payload as { errorMessage?: unknown } | null)?.errorMessage;
  return typeof message === 'string' && message.trim() !== '' ? message.trim() : undefined;
}

function bounded(text: string): string {
  return cutText(text.replace(/\s+/g, ' '), MAX_REASON_CHARS);
}
