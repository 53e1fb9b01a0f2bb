import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DumpEntry, MessageEntry } from '../../../shared/dump/entry.ts';
import { readMbox } from '../../../shared/dump/mbox.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { describe as describeEntries, makeTempDir, mboxRecord, messages, readAll, removeDir, writeFiles } from '../../helpers/dump-files.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const readingNames = (entry: MessageEntry | undefined): string[] => (entry?.alternateReadings ?? []).map((reading) => reading.name);
const reading = (entry: MessageEntry | undefined, name: string): Buffer | undefined =>
  entry?.alternateReadings?.find((candidate) => candidate.name === name)?.bytes;

for (const eol of ['\n', '\r\n'] as const) {
  const label = eol === '\n' ? 'LF' : 'CRLF';

  describe(`${label} mbox files`, () => {
    const plain = buildMessage({ eol, subject: 'plain' });
    // As it was sent, and as an mboxrd writer stores it.
    const sentBody = `Hi,${eol}From the top.${eol}>From a quote.${eol}Not From here.${eol}`;
    const storedBody = `Hi,${eol}>From the top.${eol}>>From a quote.${eol}Not From here.${eol}`;
    const sent = buildMessage({ eol, subject: 'quoted', body: sentBody });
    const stored = buildMessage({ eol, subject: 'quoted', body: storedBody });

    it('yields each message with its envelope offset, undoing mboxrd quoting', async () => {
      const mbox = Buffer.concat([mboxRecord(plain, eol), mboxRecord(stored, eol)]);
      await writeFiles(dir, { 'box.mbox': mbox });
      const entries = messages(await readAll(join(dir, 'box.mbox')));
      expect(entries.map((entry) => entry.bytes)).toEqual([plain, sent]);
      const second = mbox.indexOf('From alice', 1);
      expect(entries.map((entry) => entry.locator)).toEqual([
        { path: 'box.mbox', offset: 0, length: second - eol.length },
        { path: 'box.mbox', offset: second, length: mbox.length - second - eol.length },
      ]);
      expect(entries[0]?.alternateReadings).toBeUndefined();
      expect(readingNames(entries[1])).toEqual(['as-stored', 'unquoted-lines:1', 'unquoted-lines:2']);
      expect(reading(entries[1], 'as-stored')).toEqual(stored);
    });

    it('offers the reading an mboxo writer meant when a ">From " line was original', async () => {
      // mboxo quotes "From " but leaves ">From " alone: both lines below are stored as ">From ".
      const original = buildMessage({ eol, body: `From me.${eol}>From you.${eol}` });
      const storedMboxo = buildMessage({ eol, body: `>From me.${eol}>From you.${eol}` });
      await writeFiles(dir, { 'mboxo.mbox': mboxRecord(storedMboxo, eol) });
      const [entry] = messages(await readAll(join(dir, 'mboxo.mbox')));
      expect(entry?.bytes).toEqual(buildMessage({ eol, body: `From me.${eol}From you.${eol}` }));
      expect(reading(entry, 'unquoted-lines:1')).toEqual(original);
    });

    it('keeps 8-bit bytes and mixed line endings exactly', async () => {
      // (A message must end with a line ending to survive mbox: the writer's own newline would join it otherwise.)
      const message = Buffer.from(`Subject: caf\xe9${eol}X-Raw: \xff\xfe\r\n${eol}na\xefve\nbody\r\nend\r\n`, 'latin1');
      await writeFiles(dir, { 'Inbox': Buffer.concat([mboxRecord(message, eol), mboxRecord(plain, eol)]) });
      expect(messages(await readAll(join(dir, 'Inbox'))).map((entry) => entry.bytes)).toEqual([message, plain]);
    });
  });
}

describe('mbox edge cases', () => {
  it('reads a message stored without envelope before the first "From " line', async () => {
    const lone = buildMessage({ eol: '\n' });
    await writeFiles(dir, { 'message.mbox': Buffer.concat([lone, Buffer.from('\n'), mboxRecord(buildMessage({ eol: '\n', subject: 'x' }))]) });
    const entries = await readAll(join(dir, 'message.mbox'));
    expect(describeEntries(entries)).toEqual(['message message.mbox#0', `message message.mbox#${lone.length + 1}`]);
    expect(messages(entries)[0]?.bytes).toEqual(lone);
  });

  it('skips junk before the first "From " line and empty records', async () => {
    await writeFiles(dir, { 'box.mbox': `garbage\n\nFrom a\nA: 1\n\nFrom b\n` });
    expect(describeEntries(await readAll(join(dir, 'box.mbox')))).toEqual([
      'skipped box.mbox#0: not a message (text before the first "From " line)',
      'message box.mbox#9',
      'skipped box.mbox#22: empty message in mbox',
    ]);
  });

  it('ends with an error when the stream breaks, after the messages read so far', async () => {
    async function* breaking(): AsyncGenerator<Buffer> {
      yield mboxRecord(buildMessage());
      yield Buffer.from('From b\nSubject: half');
      throw new Error('zip entry data damaged: CRC-32 mismatch');
    }
    const entries: DumpEntry[] = [];
    for await (const entry of readMbox('x.zip!/box.mbox', breaking())) entries.push(entry);
    expect(describeEntries(entries)).toEqual([
      'message x.zip!/box.mbox#0',
      'error x.zip!/box.mbox: mbox read failed: zip entry data damaged: CRC-32 mismatch',
    ]);
  });
});
