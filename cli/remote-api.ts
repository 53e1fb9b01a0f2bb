/**
 * The HTTP API of a deployed stack (or of `leakproof serve`), as the command line reads it: the dumps, one dump's
 * summary and what it lists after it (messages by verdict, their details, skipped files), and an export's bytes. Authorised per request: a bearer token (a JWT in AWS, the server's token
 * locally) or, with none, a SigV4 signature from the caller's AWS credentials (an IAM-authorised stack).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestAuthoriser } from '../shared/adapters/aws/execute-api-signer.ts';
import type { ExportFormat } from '../shared/pipeline/export-lines.ts';
import { EXPORT_FILTERS, type ExportFilters } from '../shared/pipeline/filtered-export.ts';
import type { DumpOverview, DumpSummary, MessageListing } from '../shared/ports/verdict-store.ts';
import type { SignatureEvidence, Verdict } from '../shared/verdict/contract.ts';

/** Larger JSON answers than this are not read: the API's own cap in AWS is 4 MiB. */
const MAX_JSON_BYTES = 16 * 2 ** 20;
/** Asked again after this long when a 202 gives no Retry-After, and at most this often when it does. */
const DEFAULT_POLL_MS = 2_000;
const MAX_POLL_MS = 30_000;
/** Redirects followed for one export: the API's own (none today) and the download's. */
const MAX_REDIRECTS = 5;

/**
 * A dump as a deployed stack lists it. A stack deployed before documents were counted (issue 11) answers without
 * `documents`: absent, not zero (it did not look for documents).
 */
export type RemoteDumpOverview = Omit<DumpOverview, 'documents'> & Partial<Pick<DumpOverview, 'documents'>>;

/** A dump's summary as a deployed stack answers it; from an older stack without `documents` and `byProvenance`. */
export type RemoteDumpSummary = Omit<DumpSummary, 'dump' | 'documents' | 'byProvenance'> & Partial<Pick<DumpSummary, 'documents' | 'byProvenance'>> & { dump: RemoteDumpOverview };

/** A line of a dump's listing as the API answers it: the store's, with the key the message is asked by. */
export type RemoteListing = MessageListing & { key: string };

/** What the command line reads of a message's detail (GET /dumps/{id}/messages/{key}). */
export interface RemoteMessageDetail {
  kind: 'message' | 'error';
  /** Why an unreadable entry could not be read (null for a message, or none said). */
  detail: string | null;
  signatures: SignatureEvidence[];
}

export function bearerAuthoriser(token: string): RequestAuthoriser {
  return async () => ({ authorization: `Bearer ${token}` });
}

/** An answer that is not what was asked for: the status, and the problem's title and detail when it sent one. */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export interface RemoteApiOptions {
  /** How long to wait between two looks at an export being written (tests make it short). */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class RemoteApi {
  readonly #base: URL;
  readonly #authorise: RequestAuthoriser;
  readonly #pollMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(baseUrl: string, authorise: RequestAuthoriser, options: RemoteApiOptions = {}) {
    let base: URL;
    try {
      base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    } catch {
      throw new Error(`not an API URL: ${baseUrl}`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error(`not an API URL: ${baseUrl}`);
    this.#base = base;
    this.#authorise = authorise;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#sleep = options.sleep ?? ((ms) => sleep(ms));
  }

  /** Every dump, newest first. */
  async listDumps(): Promise<RemoteDumpOverview[]> {
    return (await this.#json<{ dumps: RemoteDumpOverview[] }>('dumps')).dumps;
  }

  /** A dump's summary; null when the API knows no such dump (yet). */
  async summary(dumpId: string): Promise<RemoteDumpSummary | null> {
    try {
      return await this.#json<RemoteDumpSummary>(`dumps/${encodeURIComponent(dumpId)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** The first `limit` messages of one verdict ('error': unreadable entries), as GET /dumps/{id}/messages lists them. */
  async listMessages(dumpId: string, query: { verdict: Verdict; limit: number }): Promise<RemoteListing[]> {
    const search = new URLSearchParams({ verdict: query.verdict, limit: String(query.limit) });
    return (await this.#json<{ messages: RemoteListing[] }>(`dumps/${encodeURIComponent(dumpId)}/messages?${search}`)).messages;
  }

  /** One listed message (or unreadable entry) by the key its listing gave; null when it is gone. */
  async message(dumpId: string, key: string): Promise<RemoteMessageDetail | null> {
    try {
      return await this.#json<RemoteMessageDetail>(`dumps/${encodeURIComponent(dumpId)}/messages/${encodeURIComponent(key)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * A dump's skipped files (GET /dumps/{id}/skipped): the first `limit`, or null past what the API lists, and how
   * many in all. 'unsupported' from a stack deployed before the route (asked after the dump's summary: a 404 here
   * is the route missing, not the dump).
   */
  async skippedFiles(dumpId: string, limit: number): Promise<{ skipped: { locator: string; reason: string }[] | null; total: number } | 'unsupported'> {
    try {
      return await this.#json(`dumps/${encodeURIComponent(dumpId)}/skipped?limit=${limit}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return 'unsupported';
      throw error;
    }
  }

  /**
   * A dump's export, as the bytes `leakproof export` writes: streamed in the answer (`leakproof serve`), or in AWS
   * a job (202) whose status resource is asked until it redirects (303) to the file, fetched without the API's
   * authorisation (the presigned URL is its own, and S3 refuses a request authorised twice).
   */
  async export(dumpId: string, format: ExportFormat, filters: ExportFilters = {}): Promise<ReadableStream<Uint8Array>> {
    const query = new URLSearchParams({ format });
    for (const name of EXPORT_FILTERS) if (filters[name] !== undefined) query.set(name, filters[name]!);
    let response = await this.#send(this.#url(`dumps/${encodeURIComponent(dumpId)}/export?${query}`));
    for (let redirects = 0; ; ) {
      if (response.status === 200) return response.body ?? ReadableStream.from([]);
      const location = response.headers.get('location');
      if (response.status === 202 && location) {
        await response.body?.cancel();
        await this.#sleep(this.#retryAfter(response));
        response = await this.#send(this.#url(location));
      } else if (response.status >= 300 && response.status < 400 && location && redirects++ < MAX_REDIRECTS) {
        await response.body?.cancel();
        const target = this.#url(location);
        // A redirect within the API keeps its authorisation; one elsewhere (the presigned URL) is sent bare.
        response = target.origin === this.#base.origin ? await this.#send(target) : await fetchOrExplain(target, { redirect: 'follow' });
      } else {
        throw await apiError(response, 'the export');
      }
    }
  }

  /** A path relative to the API's base (a route, or a Location the API gave), or an absolute URL. */
  #url(pathOrUrl: string): URL {
    if (/^https?:\/\//i.test(pathOrUrl)) return new URL(pathOrUrl);
    return new URL(pathOrUrl.replace(/^\/+/, ''), this.#base);
  }

  #retryAfter(response: Response): number {
    const seconds = Number(response.headers.get('retry-after'));
    const asked = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : this.#pollMs;
    return Math.min(Math.max(asked, this.#pollMs), MAX_POLL_MS);
  }

  async #send(url: URL): Promise<Response> {
    const headers = { accept: 'application/json, */*', ...(await this.#authorise({ method: 'GET', url })) };
    return fetchOrExplain(url, { headers, redirect: 'manual' });
  }

  async #json<T>(path: string): Promise<T> {
    const response = await this.#send(this.#url(path));
    if (response.status !== 200) throw await apiError(response, path);
    return JSON.parse(await readCapped(response, MAX_JSON_BYTES)) as T;
  }
}

async function fetchOrExplain(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
}

/** An answer's body as text, refused past `cap` bytes while reading. */
async function readCapped(response: Response, cap: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of response.body ?? ReadableStream.from([])) {
    length += chunk.byteLength;
    if (length > cap) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`the API's answer is larger than ${cap} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The problem the API answered (RFC 9457), with a hint where the cause is the caller's authorisation. */
async function apiError(response: Response, what: string): Promise<ApiError> {
  let problem = '';
  try {
    const body = JSON.parse(await readCapped(response, 64 * 1024)) as { title?: unknown; detail?: unknown; message?: unknown };
    problem = [body.title, body.detail ?? body.message].filter((part) => typeof part === 'string' && part !== '').join(': ');
  } catch {
    // Not JSON (a gateway's own page): the status says enough.
  }
  const hint =
    response.status === 401 || response.status === 403
      ? ' (give a token with --token or $LEAKPROOF_TOKEN, or use AWS credentials allowed to invoke the API)'
      : '';
  return new ApiError(response.status, `the API answered ${response.status} for ${what}${problem ? `: ${problem}` : ''}${hint}`);
}
