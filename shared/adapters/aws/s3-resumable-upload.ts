/**
 * A file uploaded to S3 in parallel multipart parts, resumable after an interruption: the upload's id is saved
 * before the first part goes, and a later run lists the parts S3 already holds and sends only the others.
 *
 * Not @aws-sdk/lib-storage (which the exports use for streams of unknown length): it cannot resume. It creates
 * its multipart upload inside done(), exposes the id only once parts are in flight, always starts again from part
 * 1, and refuses parts under 5 MiB. A file on disk has a known size and can be read at any offset, so its parts are
 * byte ranges read when they are sent, whether the upload is new or resumed: one loop for both.
 *
 * Integrity: every part carries its SHA-256 (x-amz-checksum-sha256), which S3 checks on receipt and again, listed
 * with every part, on completion; the whole file's SHA-256 (S3 takes a whole-object checksum only for CRCs) is the
 * object's `sha256` metadata, the same hex string `leakproof ingest` uses as the dump's local id.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
  type CompletedPart,
  type Part,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { mapConcurrently } from '../../pipeline/map-concurrently.ts';

const MIB = 2 ** 20;
/** S3 refuses parts under 5 MiB (but the last); 8 MiB is what the AWS CLI uses. */
export const DEFAULT_PART_BYTES = 8 * MIB;
/** S3's most parts in one upload. */
export const MAX_PARTS = 10_000;
/** Parts in flight: at most this many parts' bytes are held at once (32 MiB at the default size). */
export const DEFAULT_QUEUE_SIZE = 4;
/** The metadata key (x-amz-meta-sha256) holding the whole file's SHA-256, in hex. */
export const SHA256_METADATA = 'sha256';

/** The file as it was when its SHA-256 was computed: the upload refuses to complete if it has changed since. */
export interface FileToUpload {
  path: string;
  size: number;
  mtimeMs: number;
  /** The whole file's SHA-256, hex. */
  sha256: string;
}

/** What a later run needs to resume: kept on the uploader's disk until the upload completes. */
export interface UploadState {
  version: 1;
  bucket: string;
  key: string;
  uploadId: string;
  partSize: number;
  size: number;
  sha256: string;
}

/** Where the state of an unfinished upload is kept between runs (a file in the user's home, see cli/upload-state.ts). */
export interface UploadStateStore {
  load(): Promise<UploadState | null>;
  save(state: UploadState): Promise<void>;
  remove(): Promise<void>;
}

export interface UploadProgress {
  /** Bytes S3 holds so far (kept parts of an earlier run included), of `total`. */
  bytes: number;
  total: number;
}

export interface ResumableUploadOptions {
  state: UploadStateStore;
  partSize?: number;
  queueSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: UploadProgress) => void;
}

export interface UploadOutcome {
  /** The parts sent by this run, and those an earlier run had sent that S3 still held. */
  partsSent: number;
  partsKept: number;
  resumed: boolean;
}

/** The part size for a file: at least `requested`, in whole MiB, and large enough that the file fits in 10,000 parts. */
export function partSizeFor(size: number, requested = DEFAULT_PART_BYTES): number {
  const needed = Math.ceil(size / MAX_PARTS / MIB) * MIB;
  return Math.max(requested, needed);
}

export async function uploadResumably(s3: S3Client, file: FileToUpload, target: { bucket: string; key: string }, options: ResumableUploadOptions): Promise<UploadOutcome> {
  const partSize = options.partSize ?? partSizeFor(file.size);
  const partCount = Math.max(1, Math.ceil(file.size / partSize));
  if (partCount > MAX_PARTS) throw new Error(`${partCount} parts of ${partSize} bytes is more than S3's ${MAX_PARTS}: use larger parts`);
  const wanted: Omit<UploadState, 'uploadId'> = { version: 1, bucket: target.bucket, key: target.key, partSize, size: file.size, sha256: file.sha256 };

  const saved = await options.state.load();
  const held = saved && sameUpload(saved, wanted) ? await listParts(s3, saved) : null;
  let uploadId: string;
  if (saved && held) {
    uploadId = saved.uploadId;
  } else {
    // Another plan for the same object (another part size): its parts are of no use.
    if (saved && held === null && sameObject(saved, wanted)) await abandon(s3, saved);
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, ChecksumAlgorithm: 'SHA256', Metadata: { [SHA256_METADATA]: file.sha256 } }),
      { abortSignal: options.signal },
    );
    uploadId = created.UploadId!;
    await options.state.save({ ...wanted, uploadId });
  }

  // A failed part stops the others from starting theirs; the parts S3 holds stay for the next run.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let bytes = 0;
  let partsSent = 0;
  let partsKept = 0;
  const handle = await open(file.path, 'r');
  let completed: CompletedPart[];
  try {
    completed = await mapConcurrently(partNumbers(partCount), options.queueSize ?? DEFAULT_QUEUE_SIZE, async (partNumber): Promise<CompletedPart> => {
      signal.throwIfAborted();
      try {
        const offset = (partNumber - 1) * partSize;
        const body = await readPart(handle, offset, Math.min(partSize, file.size - offset));
        const checksum = createHash('sha256').update(body).digest('base64');
        const earlier = held?.get(partNumber);
        let part: CompletedPart;
        if (earlier && earlier.Size === body.length && (earlier.ChecksumSHA256 === undefined || earlier.ChecksumSHA256 === checksum)) {
          part = { PartNumber: partNumber, ETag: earlier.ETag, ChecksumSHA256: checksum };
          partsKept++;
        } else {
          const sent = await s3.send(
            new UploadPartCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length, ChecksumSHA256: checksum }),
            { abortSignal: signal },
          );
          part = { PartNumber: partNumber, ETag: sent.ETag, ChecksumSHA256: checksum };
          partsSent++;
        }
        bytes += body.length;
        options.onProgress?.({ bytes, total: file.size });
        return part;
      } catch (error) {
        stop.abort(error);
        throw error;
      }
    });
  } finally {
    await handle.close();
  }

  // The object's sha256 metadata must describe the bytes sent: a file written to while it was read would not.
  const now = await stat(file.path);
  if (now.size !== file.size || now.mtimeMs !== file.mtimeMs) {
    await abandon(s3, { ...wanted, uploadId });
    await options.state.remove();
    throw new Error('the file changed while it was being uploaded; the upload was abandoned');
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId, MultipartUpload: { Parts: completed } }));
  await options.state.remove();
  return { partsSent, partsKept, resumed: held !== null };
}

function sameObject(saved: UploadState, wanted: Omit<UploadState, 'uploadId'>): boolean {
  return saved.bucket === wanted.bucket && saved.key === wanted.key;
}

/** Best effort: an upload nobody completes is aborted by the bucket's lifecycle rule after 7 days anyway. */
async function abandon(s3: S3Client, state: UploadState): Promise<void> {
  await s3.send(new AbortMultipartUploadCommand({ Bucket: state.bucket, Key: state.key, UploadId: state.uploadId })).catch(() => undefined);
}

function sameUpload(saved: UploadState, wanted: Omit<UploadState, 'uploadId'>): boolean {
  return (
    saved.version === wanted.version &&
    saved.bucket === wanted.bucket &&
    saved.key === wanted.key &&
    saved.partSize === wanted.partSize &&
    saved.size === wanted.size &&
    saved.sha256 === wanted.sha256
  );
}

/** The parts S3 holds for an unfinished upload, by number; null when the upload is gone (completed, aborted, or expired). */
async function listParts(s3: S3Client, state: UploadState): Promise<Map<number, Part> | null> {
  const parts = new Map<number, Part>();
  let marker: string | undefined;
  try {
    do {
      const page = await s3.send(new ListPartsCommand({ Bucket: state.bucket, Key: state.key, UploadId: state.uploadId, PartNumberMarker: marker }));
      for (const part of page.Parts ?? []) if (part.PartNumber !== undefined) parts.set(part.PartNumber, part);
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker !== undefined);
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchUpload') return null;
    throw error;
  }
  return parts;
}

function* partNumbers(count: number): Generator<number> {
  for (let n = 1; n <= count; n++) yield n;
}

async function readPart(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) throw new Error('the file got shorter while it was being uploaded');
    filled += bytesRead;
  }
  return buffer;
}
