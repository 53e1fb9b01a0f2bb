import { createReadStream } from 'node:fs';
import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { describeError } from '../../dump/errors.ts';
import type { BlobStore } from '../../ports/blob-store.ts';

/** The blob store over a local folder: object keys are paths under it. Runs the splitter's core without S3. */
export class FileBlobStore implements BlobStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
  }

  async head(key: string): Promise<{ size: number; etag: string }> {
    try {
      const stats = await stat(this.#path(key));
      return { size: stats.size, etag: `${stats.size}-${stats.mtimeMs}` };
    } catch (error) {
      throw new Error(`cannot read object ${key}: ${describeError(error)}`);
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    const file = await open(this.#path(key), 'r');
    try {
      const length = Math.max(0, Math.min(end, (await file.stat()).size) - start);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, start);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  stream(key: string, start = 0): AsyncIterable<Buffer> {
    return createReadStream(this.#path(key), { start, highWaterMark: 1024 * 1024 });
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }

  #path(key: string): string {
    const path = resolve(join(this.#root, key));
    if (!path.startsWith(this.#root + sep)) throw new Error(`object key outside the store: ${key}`);
    return path;
  }
}
