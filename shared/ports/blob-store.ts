/**
 * Where dumps are stored as objects: S3 in AWS, a folder locally. The splitter reads a dump in place (ranged
 * reads, one streamed pass) and writes messages it cannot address in place as objects of their own.
 */
export interface BlobStore {
  /** Size and version tag (an S3 ETag) of an object; throws a one-line Error when there is no such object. */
  head(key: string): Promise<{ size: number; etag: string }>;
  /** Bytes [start, end) of an object; fewer only when the object ends first. */
  readRange(key: string, start: number, end: number): Promise<Buffer>;
  /** The object's bytes from `start` to its end, streamed once. */
  stream(key: string, start?: number): AsyncIterable<Buffer>;
  put(key: string, bytes: Buffer): Promise<void>;
}
