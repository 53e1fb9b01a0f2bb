/**
 * Reads back what the generator wrote, independently of shared/dump (whose readers are tested against these
 * dumps, so they cannot be the ones checking the generator).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import yauzl from 'yauzl';
import type { ExpectedDump } from '../../../tools/generator/expected.ts';
import type { PublishedKeyRecord } from '../../../tools/generator/keyring.ts';

export async function loadExpected(dir: string): Promise<ExpectedDump> {
  return JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8')) as ExpectedDump;
}

export async function loadKeys(dir: string): Promise<PublishedKeyRecord[]> {
  const text = await readFile(join(dir, 'keys.jsonl'), 'utf8');
  return text.trim().split('\n').map((line) => JSON.parse(line) as PublishedKeyRecord);
}

/** Every zip entry's bytes, by name. Test dumps are small. */
export function readZip(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const entries = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/**
 * An mboxrd reader in a dozen lines: a line starting "From " opens a message, the blank line before the next
 * separator closes it, and one ">" comes off every line matching /^>+From /.
 */
export function splitMboxrd(mbox: Buffer): { offset: number; bytes: Buffer }[] {
  const messages: { offset: number; lines: string[] }[] = [];
  let offset = 0;
  for (const line of mbox.toString('latin1').split('\n')) {
    if (line.startsWith('From ')) messages.push({ offset, lines: [] });
    else messages.at(-1)?.lines.push(/^>+From /.test(line) ? line.slice(1) : line);
    offset += line.length + 1;
  }
  return messages.map(({ offset: at, lines }) => {
    // Drop the trailing "" from the final "\n", then the separator's blank line.
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return { offset: at, bytes: Buffer.from(lines.join('\n') + '\n', 'latin1') };
  });
}
