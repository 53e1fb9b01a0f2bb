import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DumpWriter, WrittenLocation } from './dump-writer.ts';

/** A directory of .eml files (and whatever else the mailbox export left), each file's mtime its message date. */
export function createFolderWriter(dumpPath: string): DumpWriter {
  let bytes = 0;
  const add = async (path: string, data: Buffer, date: Date): Promise<WrittenLocation> => {
    const target = join(dumpPath, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data);
    await utimes(target, date, date);
    bytes += data.length;
    return { path };
  };
  return {
    dumpPath,
    holdsFiles: true,
    addMessage: (path, message, date) => add(path, message, date),
    addFile: add,
    close: async () => bytes,
  };
}
