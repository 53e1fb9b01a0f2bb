/**
 * An upload under uploads/ as an S3 notification names it, and the dump id it becomes: the same object version
 * (bucket, key, ETag) is the same dump, so an event S3 delivers twice, or a failure reported about it, finds
 * the same record.
 */
import type { S3EventRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { DumpRecord } from '../../ports/verdict-store.ts';

export interface S3Upload {
  bucket: string;
  /** Decoded: S3 event keys are URL-encoded, spaces as '+'. */
  key: string;
  size: number;
  /** As HeadObject gives it, in quotes (the event carries it bare). */
  etag: string;
}

export function uploadOf(record: S3EventRecord): S3Upload {
  const { bucket, object } = record.s3;
  return { bucket: bucket.name, key: decodeURIComponent(object.key.replace(/\+/g, ' ')), size: object.size, etag: quoted(object.eTag) };
}

export function dumpIdOf(bucket: string, key: string, etag: string): string {
  return createHash('sha256').update(`s3://${bucket}/${key}\n${quoted(etag)}`).digest('hex');
}

/** The dump record an upload opens: named after the file, its source the object's S3 URL. */
export function uploadDump(dumpId: string, { bucket, key, size }: Pick<S3Upload, 'bucket' | 'key' | 'size'>): Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'> {
  return { id: dumpId, name: posix.basename(key), source: `s3://${bucket}/${key}`, bytes: size };
}

function quoted(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}
