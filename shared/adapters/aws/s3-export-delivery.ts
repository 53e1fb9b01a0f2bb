import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { EXPORT_FORMATS } from '../../pipeline/export-lines.ts';
import {
  attachment,
  EXPORT_CONTENT_TYPES,
  exportFilename,
  type DeliveredExport,
  type ExportJob,
  type ExportState,
} from '../../ports/export-delivery.ts';
import { EXPORTS_PREFIX } from './settings.ts';

export interface S3ExportDeliveryOptions {
  /** Bytes per part of the multipart upload (S3's minimum, 5 MiB, by default; it refuses smaller parts but the last). */
  partSize?: number;
  /** Parts uploaded at once. At most partSize × (queueSize + 1) bytes of the export are held at a time. */
  queueSize?: number;
  /** How long a download URL works. */
  expiresInSeconds?: number;
  /** The clock the states and the URLs' signatures read (tests). */
  now?: () => Date;
}

const MIB = 2 ** 20;
export const EXPORT_URL_SECONDS = 15 * 60;
/** Lines are handed to the upload in chunks about this big, not one by one. */
const CHUNK_BYTES = 64 * 1024;

/**
 * When an export is taken for dead. A running export's job rewrites its state at least every
 * EXPORT_HEARTBEAT_MS; one not rewritten for EXPORT_STALLED_MS stopped without saying so (its function crashed
 * or was stopped). One still queued after EXPORT_QUEUED_MS was never started (every delivery of its job was
 * throttled or lost). Either is reported failed, and a job that comes later leaves it so: a state never goes back.
 */
export const EXPORT_HEARTBEAT_MS = 10_000;
export const EXPORT_STALLED_MS = 2 * 60_000;
export const EXPORT_QUEUED_MS = 60 * 60_000;

/** The object names of an export: exports/<dump id>/<export id>.<format> and, beside it, its state. */
export function exportObjectKeys(job: Pick<ExportJob, 'dumpId' | 'exportId'> & Partial<Pick<ExportJob, 'format'>>): { file: string; state: string } {
  const base = `${EXPORTS_PREFIX}${job.dumpId}/${job.exportId}`;
  return { file: `${base}.${job.format ?? 'jsonl'}`, state: `${base}.state.json` };
}

/** The state as stored: what ExportState says, with the format (the file's name) and without the URL, made per read. */
const StoredStateSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('queued'), format: z.enum(EXPORT_FORMATS), requestedAt: z.string() }),
  z.object({ status: z.literal('running'), format: z.enum(EXPORT_FORMATS), requestedAt: z.string(), updatedAt: z.string(), records: z.number(), bytes: z.number() }),
  z.object({ status: z.literal('done'), format: z.enum(EXPORT_FORMATS), requestedAt: z.string(), finishedAt: z.string(), records: z.number(), bytes: z.number() }),
  z.object({ status: z.literal('failed'), format: z.enum(EXPORT_FORMATS), requestedAt: z.string(), reason: z.string() }),
]);
export type StoredExportState = z.infer<typeof StoredStateSchema>;

/**
 * Exports as objects of the dumps bucket, under exports/ (which the bucket expires after a day): each export's
 * file, written as a streamed multipart upload as its lines are read, and its state, a small JSON object beside
 * it that the job rewrites as it goes (S3 reads are strongly consistent: the API reads the latest). A finished
 * export is offered through a presigned GET URL signed with the function's own credentials: S3 serves it as far
 * as that role may read (infra/api.ts grants reading under exports/).
 */
export class S3ExportDelivery {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #expiresIn: number;
  readonly now: () => Date;

  constructor(s3: S3Client, bucket: string, options: S3ExportDeliveryOptions = {}) {
    this.#s3 = s3;
    this.#bucket = bucket;
    this.#partSize = options.partSize ?? 5 * MIB;
    this.#queueSize = options.queueSize ?? 4;
    this.#expiresIn = options.expiresInSeconds ?? EXPORT_URL_SECONDS;
    this.now = options.now ?? (() => new Date());
  }

  /** Writes the export's state, replacing the one before. */
  async record(job: ExportJob, state: StoredExportState): Promise<void> {
    await this.#s3.send(
      new PutObjectCommand({ Bucket: this.#bucket, Key: exportObjectKeys(job).state, Body: JSON.stringify(state), ContentType: 'application/json' }),
    );
  }

  /** The export's state as stored, or null when the dump has no export of that id. */
  async stored(dumpId: string, exportId: string): Promise<StoredExportState | null> {
    let text: string;
    try {
      const object = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: exportObjectKeys({ dumpId, exportId }).state }));
      text = (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
    return StoredStateSchema.parse(JSON.parse(text));
  }

  /** The export's state as a client is told it: the stall rules applied, a finished export with a fresh URL. */
  async state(dumpId: string, exportId: string): Promise<ExportState | null> {
    const stored = await this.stored(dumpId, exportId);
    if (stored === null) return null;
    const state = effectiveState(stored, this.now());
    if (state.status !== 'done') return publicState(state);
    const download = await this.presign({ dumpId, exportId, format: state.format });
    return { status: 'done', requestedAt: state.requestedAt, finishedAt: state.finishedAt, records: state.records, bytes: state.bytes, download };
  }

  /**
   * Writes the lines, in order, as they come (never all held at once), as the export's file, with its content
   * type and download name; `wrote` hears of the bytes handed to the upload so far, chunk by chunk. Resolves with
   * the file's size once it is whole. A failure to read the lines or to write them rejects, and the multipart
   * upload is aborted (lib-storage), so nothing is left to download.
   */
  async write(job: ExportJob, lines: AsyncIterable<string>, wrote: (bytes: number) => void = () => {}): Promise<number> {
    const counted = { bytes: 0 };
    const body = Readable.from(chunked(lines, CHUNK_BYTES, (chunk) => wrote((counted.bytes += chunk))));
    try {
      const upload = new Upload({
        client: this.#s3,
        params: {
          Bucket: this.#bucket,
          Key: exportObjectKeys(job).file,
          Body: body,
          ContentType: EXPORT_CONTENT_TYPES[job.format],
          ContentDisposition: attachment(exportFilename(job.dumpId, job.format)),
        },
        partSize: this.#partSize,
        queueSize: this.#queueSize,
      });
      await upload.done();
    } finally {
      // Stops reading the store when the upload stopped first.
      body.destroy();
    }
    return counted.bytes;
  }

  /**
   * A GET URL of the export's file, valid for the configured time from now. It asks S3 to answer as an attachment
   * with the file's name (response-content-disposition, signed into the URL) whatever the object's own metadata
   * says: the report page hands the URL to the browser as a navigation, which must download, not leave the page.
   */
  async presign(job: ExportJob): Promise<DeliveredExport> {
    const signedAt = this.now();
    const get = new GetObjectCommand({ Bucket: this.#bucket, Key: exportObjectKeys(job).file, ResponseContentDisposition: attachment(exportFilename(job.dumpId, job.format)) });
    const url = await getSignedUrl(this.#s3, get, {
      expiresIn: this.#expiresIn,
      signingDate: signedAt,
    });
    return { url, expiresAt: new Date(signedAt.getTime() + this.#expiresIn * 1000).toISOString() };
  }
}

/**
 * The state as it really is at `now`: a running export whose job has not written for EXPORT_STALLED_MS, or a
 * queued one not started within EXPORT_QUEUED_MS, is failed. The API reports this, and a job starts an export only
 * when this says it is still queued, so the two never disagree.
 */
export function effectiveState(stored: StoredExportState, now: Date): StoredExportState {
  const age = (since: string) => now.getTime() - Date.parse(since);
  if (stored.status === 'running' && age(stored.updatedAt) > EXPORT_STALLED_MS) {
    return { status: 'failed', format: stored.format, requestedAt: stored.requestedAt, reason: `the export stopped without finishing (nothing written for over ${EXPORT_STALLED_MS / 60_000} minutes: its function was stopped); ask for a new one` };
  }
  if (stored.status === 'queued' && age(stored.requestedAt) > EXPORT_QUEUED_MS) {
    return { status: 'failed', format: stored.format, requestedAt: stored.requestedAt, reason: `the export was not started within ${EXPORT_QUEUED_MS / 60_000} minutes; ask for a new one` };
  }
  return stored;
}

function publicState(state: Exclude<StoredExportState, { status: 'done' }>): ExportState {
  switch (state.status) {
    case 'queued':
      return { status: 'queued', requestedAt: state.requestedAt };
    case 'running':
      return { status: 'running', requestedAt: state.requestedAt, updatedAt: state.updatedAt, records: state.records, bytes: state.bytes };
    case 'failed':
      return { status: 'failed', requestedAt: state.requestedAt, reason: state.reason };
  }
}

/** Text lines as UTF-8 chunks of about `size` bytes (a line is never split); `handed` hears of each chunk's size. */
async function* chunked(lines: AsyncIterable<string>, size: number, handed: (bytes: number) => void): AsyncGenerator<Buffer> {
  let pending: string[] = [];
  let length = 0;
  const flush = () => {
    const chunk = Buffer.from(pending.join(''));
    handed(chunk.length);
    pending = [];
    length = 0;
    return chunk;
  };
  for await (const line of lines) {
    pending.push(line);
    length += line.length;
    if (length >= size) yield flush();
  }
  if (pending.length > 0) yield flush();
}
