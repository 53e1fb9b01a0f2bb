import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { describeError } from '../../dump/errors.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { pauseBeforeAttempt } from './backoff.ts';

/** Tries at reading a body that keeps breaking off part way (see #resumable). */
const BODY_ATTEMPTS = 5;

/** The blob store on one S3 bucket: ranged GETs, one streamed GET, PUTs of staged messages. */
export class S3BlobStore implements BlobStore {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  async head(key: string): Promise<{ size: number; etag: string }> {
    try {
      const head = await this.#s3.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return { size: head.ContentLength ?? 0, etag: head.ETag ?? '' };
    } catch (error) {
      throw new Error(`cannot read s3://${this.#bucket}/${key}: ${describeError(error)}`);
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for await (const chunk of this.#resumable(key, start, end)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  stream(key: string, start = 0): AsyncGenerator<Buffer> {
    return this.#resumable(key, start, undefined);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    await this.#s3.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: bytes }));
  }

  /**
   * Bytes [start, end) (to the object's end without `end`), in the pieces S3 sends. The SDK retries a request
   * that fails before its answer begins, but not a body that breaks part way (the connection drops): that part
   * is fetched again from the byte it broke at, from the same version of the object, BODY_ATTEMPTS times in all.
   */
  async *#resumable(key: string, start: number, end: number | undefined): AsyncGenerator<Buffer> {
    let at = start;
    let etag: string | undefined;
    for (let attempt = 1; end === undefined || at < end; attempt++) {
      const range = end === undefined ? (at > 0 ? `bytes=${at}-` : undefined) : `bytes=${at}-${end - 1}`;
      const object = await this.#body(key, range, etag);
      etag ??= object.etag;
      try {
        for await (const chunk of object.body) {
          at += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
        return;
      } catch (error) {
        if (attempt >= BODY_ATTEMPTS) throw new Error(`cannot read s3://${this.#bucket}/${key}: ${describeError(error)} (the answer broke off ${attempt} times)`);
        await pauseBeforeAttempt(attempt);
      }
    }
  }

  async #body(key: string, range: string | undefined, ifMatch: string | undefined): Promise<{ body: AsyncIterable<unknown>; etag?: string }> {
    try {
      const object = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key, Range: range, IfMatch: ifMatch }));
      return { body: object.Body as Readable, etag: object.ETag };
    } catch (error) {
      // A range starting at or past the end is not an error for a reader: there is nothing more.
      if ((error as { name?: string }).name === 'InvalidRange') return { body: Readable.from([]) };
      throw new Error(`cannot read s3://${this.#bucket}/${key}: ${describeError(error)}`);
    }
  }
}
