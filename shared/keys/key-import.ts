/**
 * Imports DKIM key records into a key archive from a file of JSON lines, one record a line, in
 * archive.zk.email's DkimRecord shape: {"domain", "selector", "value", "firstSeenAt"?, "lastSeenAt"?,
 * "source"?}, plus Leakproof's "compromisedAt"? (when the private key became known to others). A file holding
 * one JSON array of such records is accepted too. A bad line is reported and skipped; it never stops the import.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { keyRecordName } from '../dkim/key-record.ts';
import type { ArchivedKey, KeyArchive } from '../ports/key-archive.ts';
import { normaliseName } from './seen-window.ts';

export type KeyLineResult = { line: number; key: ArchivedKey } | { line: number; error: string };

export interface KeyImportResult {
  /** Valid records recorded into the archive. */
  imported: number;
  /** Of those, how many the archive already held (it widened their seen-window where needed). Present when the archive tells. */
  updated?: number;
  /** One message per bad record, e.g. `line 12: missing "selector"`; capped at `maxErrors`, then one line saying how many more. */
  errors: string[];
  /** Every bad record, listed or not (`errors` stops listing at `maxErrors`). */
  rejected: number;
  /** The (domain, selector) pairs the imported records belong to, each once: what a re-verification looks at. */
  selectors: { domain: string; selector: string }[];
}

export interface KeyImportOptions {
  /** Who vouched for records that do not name a `source`; defaults to the file's basename. */
  source?: string;
  maxErrors?: number;
  /** Called after each batch with the number of lines read so far. */
  onProgress?: (lines: number) => void;
}

/** A KeyArchive that can record a batch in one go and tell what each record did (SqliteKeyArchive can). */
interface BatchRecordingArchive extends KeyArchive {
  recordAll(keys: readonly ArchivedKey[]): Promise<('added' | 'widened' | 'unchanged')[]>;
}

const BATCH_SIZE = 1000;
const DEFAULT_MAX_ERRORS = 1000;
/** Epoch numbers below this are seconds, above it milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const EPOCH_MILLISECONDS_FROM = 1e11;

export async function importKeyFile(
  path: string,
  archive: KeyArchive,
  options: KeyImportOptions = {},
): Promise<KeyImportResult> {
  const source = options.source ?? basename(path);
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  return importKeyRecords(parseKeyLines(lines, source), archive, options);
}

/** Records parsed lines into the archive, in batches; keeps the first errors. */
export async function importKeyRecords(
  results: AsyncIterable<KeyLineResult> | Iterable<KeyLineResult>,
  archive: KeyArchive,
  options: Pick<KeyImportOptions, 'maxErrors' | 'onProgress'> = {},
): Promise<KeyImportResult> {
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  const batching = isBatchRecording(archive);
  const errors: string[] = [];
  let rejected = 0;
  let imported = 0;
  let updated = 0;
  let batch: ArchivedKey[] = [];
  let lastLine = 0;
  const selectors = new Map<string, { domain: string; selector: string }>();

  const flush = async (): Promise<void> => {
    if (batching) {
      for (const outcome of await archive.recordAll(batch)) if (outcome !== 'added') updated++;
    } else {
      for (const key of batch) await archive.record(key);
    }
    imported += batch.length;
    batch = [];
    options.onProgress?.(lastLine);
  };

  for await (const result of results) {
    lastLine = result.line;
    if ('error' in result) {
      rejected++;
      if (errors.length < maxErrors) errors.push(result.error);
      continue;
    }
    batch.push(result.key);
    // Named as the archive names them, so the selection finds what the archive stored.
    const domain = normaliseName(result.key.domain);
    const selector = normaliseName(result.key.selector);
    selectors.set(keyRecordName(domain, selector), { domain, selector });
    if (batch.length >= BATCH_SIZE) await flush();
  }
  await flush();
  if (rejected > errors.length) errors.push(`… and ${rejected - errors.length} more bad records not listed`);
  const touched = [...selectors.values()];
  return batching ? { imported, updated, errors, rejected, selectors: touched } : { imported, errors, rejected, selectors: touched };
}

function isBatchRecording(archive: KeyArchive): archive is BatchRecordingArchive {
  return typeof (archive as Partial<BatchRecordingArchive>).recordAll === 'function';
}

/**
 * Parses JSON lines into per-line results, streaming. If the first non-blank line opens a JSON array, the
 * whole text is read as one array instead, and its results are numbered by item ("item 3: ...").
 */
export async function* parseKeyLines(
  lines: AsyncIterable<string> | Iterable<string>,
  defaultSource: string | null,
): AsyncGenerator<KeyLineResult> {
  let lineNumber = 0;
  let arrayText: string[] | null = null;
  for await (const line of lines) {
    lineNumber++;
    if (arrayText !== null) {
      arrayText.push(line);
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('[')) {
      // trimmed: trim() also drops a byte-order mark, which JSON.parse would refuse.
      arrayText = [trimmed];
      continue;
    }
    yield parseKeyLine(trimmed, lineNumber, defaultSource);
  }
  if (arrayText !== null) yield* parseKeyArray(arrayText.join('\n'), defaultSource);
}

function* parseKeyArray(text: string, defaultSource: string | null): Generator<KeyLineResult> {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (error) {
    yield { line: 1, error: `not a JSON array: ${(error as Error).message}` };
    return;
  }
  if (!Array.isArray(items)) {
    yield { line: 1, error: 'not a JSON array' };
    return;
  }
  for (const [index, item] of items.entries()) {
    const itemNumber = index + 1;
    const parsed = keyFromJson(item, defaultSource);
    yield typeof parsed === 'string'
      ? { line: itemNumber, error: `item ${itemNumber}: ${parsed}` }
      : { line: itemNumber, key: parsed };
  }
}

/** One JSON line to a key, or an error naming the line ("line 12: missing \"selector\""). */
export function parseKeyLine(text: string, lineNumber: number, defaultSource: string | null): KeyLineResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { line: lineNumber, error: `line ${lineNumber}: not JSON (${(error as Error).message})` };
  }
  const parsed = keyFromJson(json, defaultSource);
  return typeof parsed === 'string'
    ? { line: lineNumber, error: `line ${lineNumber}: ${parsed}` }
    : { line: lineNumber, key: parsed };
}

/** A DkimRecord-shaped value to an ArchivedKey with ISO times, or what is wrong with it. */
export function keyFromJson(json: unknown, defaultSource: string | null): ArchivedKey | string {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'not a JSON object';
  const record = json as Record<string, unknown>;
  const fields: Record<'domain' | 'selector' | 'value', string> = { domain: '', selector: '', value: '' };
  for (const field of ['domain', 'selector', 'value'] as const) {
    const value = record[field];
    if (value === undefined || value === null || value === '') return `missing "${field}"`;
    if (typeof value !== 'string') return `"${field}" is not a string`;
    fields[field] = field === 'value' ? value : value.trim();
    if (fields[field] === '') return `missing "${field}"`;
  }
  const firstSeenAt = isoTime(record.firstSeenAt);
  if (firstSeenAt === undefined) return `"firstSeenAt" is not a date: ${JSON.stringify(record.firstSeenAt)}`;
  const lastSeenAt = isoTime(record.lastSeenAt);
  if (lastSeenAt === undefined) return `"lastSeenAt" is not a date: ${JSON.stringify(record.lastSeenAt)}`;
  if (firstSeenAt !== null && lastSeenAt !== null && firstSeenAt > lastSeenAt) {
    return `"firstSeenAt" (${firstSeenAt}) is after "lastSeenAt" (${lastSeenAt})`;
  }
  const compromisedAt = isoTime(record.compromisedAt);
  if (compromisedAt === undefined) return `"compromisedAt" is not a date: ${JSON.stringify(record.compromisedAt)}`;
  const source = record.source;
  if (source !== undefined && source !== null && typeof source !== 'string') return '"source" is not a string';
  return { ...fields, firstSeenAt, lastSeenAt, source: source || defaultSource, ...(compromisedAt === null ? {} : { compromisedAt }) };
}

/**
 * An ISO string or epoch seconds/milliseconds (a number, or digits in a string) to `toISOString()` form; null
 * when absent, undefined when not a date.
 */
export function isoTime(time: unknown): string | null | undefined {
  if (time === undefined || time === null || time === '') return null;
  let date: Date;
  if (typeof time === 'number') date = fromEpoch(time);
  else if (typeof time === 'string') date = /^\d+(\.\d+)?$/.test(time.trim()) ? fromEpoch(Number(time)) : new Date(time);
  else return undefined;
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function fromEpoch(epoch: number): Date {
  return new Date(Math.abs(epoch) < EPOCH_MILLISECONDS_FROM ? epoch * 1000 : epoch);
}
