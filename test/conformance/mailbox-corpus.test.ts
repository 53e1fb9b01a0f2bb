/** Reads the shared offline corpus (when present) as dumps: mbox fixtures, notmuch folders (Outlook files: outlook-corpus.test.ts). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { messages, readAll } from '../helpers/dump-files.ts';

const CORPUS = join(import.meta.dirname, '../../../shared/corpus');
const present = existsSync(join(CORPUS, 'manifest.json'));

interface ManifestEntry {
  file: string | null;
  kind: string;
  messages?: number;
  sha256?: string;
}

const manifest = (): ManifestEntry[] => JSON.parse(readFileSync(join(CORPUS, 'manifest.json'), 'utf8')) as ManifestEntry[];

describe.skipIf(!present)('shared corpus', () => {
  for (const name of ['mbox.src', 'mbox.win', 'mbox.cpy']) {
    it(`splits mail-box ${name} into its 45 messages`, async () => {
      const entries = await readAll(join(CORPUS, 'mailboxes/mail-box', name));
      expect(entries.filter((entry) => entry.kind !== 'message')).toEqual([]);
      expect(entries).toHaveLength(45);
    });
  }

  it('reads CRLF mbox.win as mbox.src with CRLF line endings (and Content-Length counting the CRs)', async () => {
    const withoutLength = (text: string): string => text.replace(/^Content-Length: \d+/m, '');
    const lf = messages(await readAll(join(CORPUS, 'mailboxes/mail-box/mbox.src')));
    const crlf = messages(await readAll(join(CORPUS, 'mailboxes/mail-box/mbox.win')));
    expect(crlf.map((entry) => withoutLength(entry.bytes.toString('latin1')))).toEqual(
      lf.map((entry) => withoutLength(entry.bytes.toString('latin1').replace(/\n/g, '\r\n'))),
    );
  });

  it("agrees with every message's Content-Length header: the boundaries and separators are right", async () => {
    for (const name of ['mbox.src', 'mbox.win', 'mbox.cpy']) {
      for (const entry of messages(await readAll(join(CORPUS, 'mailboxes/mail-box', name)))) {
        const text = entry.bytes.toString('latin1');
        const bodyStart = /\r?\n\r?\n/.exec(text);
        const declared = Number(/^Content-Length: *(\d+)/im.exec(text)?.[1]);
        expect(entry.bytes.length - (bodyStart?.index ?? 0) - (bodyStart?.[0].length ?? 0), `${name} ${entry.locator.offset}`).toBe(declared);
      }
    }
  });

  it("reads dkimpy's message.mbox (no envelope line) as one message, less the writer's final blank line", async () => {
    const path = join(CORPUS, 'mailboxes/dkimpy/message.mbox');
    const file = readFileSync(path);
    const entries = await readAll(path);
    expect(file.subarray(-2).toString()).toBe('\n\n');
    expect(messages(entries).map((entry) => entry.bytes)).toEqual([file.subarray(0, -1)]);
    expect(entries).toHaveLength(1);
  });

  const folders = present ? manifest().filter((entry) => entry.kind === 'mailbox-maildir-or-eml-folder') : [];
  for (const folder of folders) {
    it(`finds the ${folder.messages} messages of ${folder.file}`, async () => {
      const entries = await readAll(join(CORPUS, folder.file ?? ''));
      expect(entries.filter((entry) => entry.kind !== 'message')).toEqual([]);
      expect(entries).toHaveLength(folder.messages ?? -1);
    });
  }

  it('keeps every notmuch message byte for byte (after its "From " envelope line, if any)', async () => {
    const notmuch = join(CORPUS, 'mailboxes/notmuch');
    for (const entry of messages(await readAll(notmuch))) {
      const file = readFileSync(join(notmuch, entry.locator.path));
      const envelopeEnd = file.subarray(0, 5).toString() === 'From ' ? file.indexOf('\n') + 1 : 0;
      expect(entry.bytes.equals(file.subarray(envelopeEnd)), entry.locator.path).toBe(true);
    }
  });
});
