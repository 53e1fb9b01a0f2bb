import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describeError } from './errors.ts';

/**
 * A dump's identity: the SHA-256 of its bytes, so the same dump ingested twice (under any name) is one dump,
 * and a dump with one message changed is another. A folder is identified by its sorted file list with sizes
 * and modification times: hashing every file twice would double the I/O of the ingest itself.
 */
export async function fingerprintDump(path: string, onBytesRead?: (bytes: number) => void): Promise<{ id: string; bytes: number }> {
  const info = await stat(path).catch((error: unknown) => {
    throw new Error(`cannot open dump ${path}: ${describeError(error)}`);
  });
  if (!info.isDirectory()) {
    const hash = createHash('sha256');
    let read = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      onBytesRead?.((read += (chunk as Buffer).length));
    }
    return { id: hash.digest('hex'), bytes: info.size };
  }
  const hash = createHash('sha256').update('folder\n');
  let bytes = 0;
  for (const file of await listFiles(path)) {
    const fileInfo = await stat(file);
    bytes += fileInfo.size;
    hash.update(`${relative(path, file)}\0${fileInfo.size}\0${fileInfo.mtimeMs}\n`);
  }
  return { id: hash.digest('hex'), bytes };
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
