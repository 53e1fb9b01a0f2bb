import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { describeError } from '../../dump/errors.ts';
import type { BlobStore } from '../../ports/blob-store.ts';

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
    for await (const chunk of await this.#body(key, `bytes=${start}-${end - 1}`)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async *stream(key: string, start = 0): AsyncGenerator<Buffer> {
    for await (const chunk of await this.#body(key, start > 0 ? `bytes=${start}-` : undefined)) yield chunk as Buffer;
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    await this.#s3.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: bytes }));
  }

  async #body(key: string, range: string | undefined): Promise<Readable> {
    try {
      const object = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key, Range: range }));
      return object.Body as Readable;
    } catch (error) {
      // A range starting at or past the end is not an error for a reader: there is nothing more.
      if ((error as { name?: string }).name === 'InvalidRange') return Readable.from([]);
      throw new Error(`cannot read s3://${this.#bucket}/${key}: ${describeError(error)}`);
    }
  }
}
