import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UploadState, UploadStateStore } from '../shared/adapters/aws/s3-resumable-upload.ts';

/**
 * An unfinished upload's state, as a small JSON file in the home's uploads/ folder (private to the user, as the
 * home is), one per destination object: `leakproof upload` run again with the same file finds it there.
 */
export function uploadStateFile(home: string, bucket: string, key: string): UploadStateStore & { path: string } {
  const folder = join(home, 'uploads');
  const path = join(folder, `${createHash('sha256').update(`s3://${bucket}/${key}`).digest('hex')}.json`);
  return {
    path,
    async load() {
      const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      if (text === null) return null;
      try {
        return JSON.parse(text) as UploadState;
      } catch {
        // A state cut short (the machine stopped while writing it) resumes nothing: the upload starts again.
        return null;
      }
    },
    async save(state) {
      await mkdir(folder, { recursive: true, mode: 0o700 });
      // Written beside, then renamed: a reader never sees half a state.
      const partial = `${path}.${process.pid}.tmp`;
      await writeFile(partial, JSON.stringify(state), { mode: 0o600 });
      await rename(partial, path);
    },
    async remove() {
      await rm(path, { force: true });
    },
  };
}
