import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import { asctimeDate } from '../mail-dates.ts';
import type { DumpWriter, WrittenLocation } from './dump-writer.ts';
import { mboxrdQuote } from './mbox-quoting.ts';

/**
 * One mbox file, mboxrd-quoted. Messages keep their CRLF line ends (an export that copied wire bytes); the
 * separator line and the blank line after each message use LF, as mail tools write them.
 */
export function createMboxWriter(dumpPath: string): DumpWriter {
  const out = createWriteStream(dumpPath);
  const name = basename(dumpPath);
  let offset = 0;
  let index = 0;

  const write = async (chunk: Buffer): Promise<void> => {
    offset += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  };

  return {
    dumpPath,
    holdsFiles: false,
    async addMessage(_path, message, date, envelopeFrom): Promise<WrittenLocation> {
      const location = { path: name, index: index++, offset };
      await write(Buffer.from(`From ${envelopeFrom} ${asctimeDate(date)}\n`, 'latin1'));
      const quoted = mboxrdQuote(message);
      await write(quoted);
      await write(Buffer.from(quoted[quoted.length - 1] === 0x0a ? '\n' : '\n\n'));
      return location;
    },
    async addFile(path): Promise<WrittenLocation> {
      throw new Error(`an mbox holds only messages, not ${path}`);
    },
    async close(): Promise<number> {
      out.end();
      await once(out, 'finish');
      return offset;
    },
  };
}
