/**
 * Records too large for their DynamoDB item (a 250 KB Subject, thousands of signatures) are kept in S3 under
 * RECORDS_PREFIX, and the item holds a pointer (`blob`): the heavy attributes (the record's JSON, the record it
 * replaced) as one JSON object, named by the SHA-256 of its bytes. Content-addressed, so a write that loses a
 * race, or is retried, never changes what another item points to; nothing expires there.
 */
import { createHash } from 'node:crypto';
import type { BlobStore } from '../../ports/blob-store.ts';
import { RECORDS_PREFIX } from './settings.ts';

/** The attributes an item can hold in S3 instead. */
export interface HeavyAttributes {
  record: string;
  replacedFrom?: string;
}

/** A record object is read whole; none is larger than a message's record can be (caps in the verifier). */
const MAX_RECORD_OBJECT_BYTES = 64 * 1024 * 1024;

export class RecordBlobs {
  readonly #blobs: BlobStore;

  constructor(blobs: BlobStore) {
    this.#blobs = blobs;
  }

  /** Stores the attributes; returns the object's key. */
  async put(dumpId: string, heavy: HeavyAttributes): Promise<string> {
    const bytes = Buffer.from(JSON.stringify(heavy), 'utf8');
    const key = `${RECORDS_PREFIX}${dumpId}/${createHash('sha256').update(bytes).digest('hex')}.json`;
    await this.#blobs.put(key, bytes);
    return key;
  }

  async get(key: string): Promise<HeavyAttributes> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.#blobs.stream(key)) {
      size += chunk.length;
      if (size > MAX_RECORD_OBJECT_BYTES) throw new Error(`record object ${key} is over ${MAX_RECORD_OBJECT_BYTES} bytes`);
      chunks.push(chunk);
    }
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as HeavyAttributes;
  }
}
