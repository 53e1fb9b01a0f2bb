import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { DumpWriter, WrittenLocation } from './dump-writer.ts';

/**
 * A deflated zip, written as a stream. yazl's addBuffer keeps every buffer alive until the zip ends, so each
 * entry goes in as a one-chunk stream instead, and the next entry waits until this one has been consumed:
 * memory holds one message, whatever the dump's size. yazl switches to ZIP64 by itself past 4 GB.
 */
export function createZipWriter(dumpPath: string): DumpWriter {
  const zip = new ZipFile();
  const out = createWriteStream(dumpPath);
  let failure: Error | null = null;
  zip.on('error', (error: Error) => {
    failure = error;
  });
  zip.outputStream.pipe(out);

  const add = (path: string, data: Buffer, date: Date): Promise<WrittenLocation> => {
    if (failure) return Promise.reject(failure);
    // yazl keeps the stream callback (and so every closure scope around it) until the zip ends: no closure
    // here may refer to `data`, only to `pending`, which is let go once the stream has it.
    let pending: Buffer | null = data;
    const options = { mtime: date, mode: 0o100644, size: data.length };
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      zip.once('error', onError);
      zip.addReadStreamLazy(path, options, (callback) => {
        const stream = Readable.from([pending!]);
        pending = null;
        stream.once('end', () => {
          zip.off('error', onError);
          resolve({ path });
        });
        callback(null, stream);
      });
    });
  };

  return {
    dumpPath,
    holdsFiles: true,
    addMessage: (path, message, date) => add(path, message, date),
    addFile: add,
    async close(): Promise<number> {
      if (failure) throw failure;
      zip.end();
      await once(out, 'close');
      if (failure) throw failure;
      return out.bytesWritten;
    },
  };
}
