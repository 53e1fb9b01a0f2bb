import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { attachment, type DeliveredExport, type ExportDelivery, type ExportName } from '../../ports/export-delivery.ts';
import { EXPORTS_PREFIX } from './settings.ts';

export interface S3ExportDeliveryOptions {
  /** Bytes per part of the multipart upload (S3's minimum, 5 MiB, by default; it refuses smaller parts but the last). */
  partSize?: number;
  /** Parts uploaded at once. At most partSize × (queueSize + 1) bytes of the export are held at a time. */
  queueSize?: number;
  /** How long the download URL works. */
  expiresInSeconds?: number;
  /** The clock the object's name and the URL's signature read (tests). */
  now?: () => Date;
}

const MIB = 2 ** 20;
export const EXPORT_URL_SECONDS = 15 * 60;
/** Lines are handed to the upload in chunks about this big, not one by one. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Exports delivered as objects of the dumps bucket, under exports/ (which the bucket expires after a day):
 * written as a streamed multipart upload as the lines are read, then offered through a presigned GET URL,
 * signed with the function's own credentials: S3 serves it as far as that role may read (infra/api.ts grants
 * writing and reading under exports/).
 */
export class S3ExportDelivery implements ExportDelivery {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #expiresIn: number;
  readonly #now: () => Date;

  constructor(s3: S3Client, bucket: string, options: S3ExportDeliveryOptions = {}) {
    this.#s3 = s3;
    this.#bucket = bucket;
    this.#partSize = options.partSize ?? 5 * MIB;
    this.#queueSize = options.queueSize ?? 4;
    this.#expiresIn = options.expiresInSeconds ?? EXPORT_URL_SECONDS;
    this.#now = options.now ?? (() => new Date());
  }

  async deliver(name: ExportName, lines: AsyncIterable<string>, contentType: string, filename: string): Promise<DeliveredExport> {
    const key = exportKey(name, this.#now());
    const disposition = attachment(filename);
    const body = Readable.from(chunked(lines, CHUNK_BYTES));
    try {
      const upload = new Upload({
        client: this.#s3,
        params: { Bucket: this.#bucket, Key: key, Body: body, ContentType: contentType, ContentDisposition: disposition },
        partSize: this.#partSize,
        queueSize: this.#queueSize,
      });
      // A failed part or a failed read aborts the multipart upload (lib-storage), and rejects here.
      await upload.done();
    } finally {
      // Stops reading the store when the upload stopped first.
      body.destroy();
    }
    const signedAt = this.#now();
    const url = await getSignedUrl(this.#s3, new GetObjectCommand({ Bucket: this.#bucket, Key: key }), {
      expiresIn: this.#expiresIn,
      signingDate: signedAt,
    });
    return { url, expiresAt: new Date(signedAt.getTime() + this.#expiresIn * 1000).toISOString() };
  }
}

/** exports/<dump id>/<time, ISO 8601 basic format>-<random>.<format>: unique per request, in time order per dump. */
export function exportKey(name: ExportName, at: Date): string {
  const time = at.toISOString().replace(/[-:]/g, '');
  return `${EXPORTS_PREFIX}${name.dumpId}/${time}-${randomBytes(8).toString('hex')}.${name.format}`;
}

/** Text lines as UTF-8 chunks of about `size` bytes (a line is never split). */
async function* chunked(lines: AsyncIterable<string>, size: number): AsyncGenerator<Buffer> {
  let pending: string[] = [];
  let length = 0;
  for await (const line of lines) {
    pending.push(line);
    length += line.length;
    if (length >= size) {
      yield Buffer.from(pending.join(''));
      pending = [];
      length = 0;
    }
  }
  if (pending.length > 0) yield Buffer.from(pending.join(''));
}
