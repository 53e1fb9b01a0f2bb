import { describe, expect, it } from 'vitest';
import { readEml } from '../../../shared/dump/eml.ts';

async function* chunked(bytes: Buffer, size = 7): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('readEml', () => {
  it('returns the bytes exactly', async () => {
    const bytes = Buffer.from('Subject: caf\xe9\r\n\nbody\r\r\n\xff', 'latin1');
    expect(await readEml({ path: 'a.eml' }, chunked(bytes))).toEqual({ kind: 'message', locator: { path: 'a.eml' }, bytes });
  });

  it('drops a leading "From " envelope line, and offers the mbox readings of what follows', async () => {
    const entry = await readEml({ path: 'a.eml' }, chunked(Buffer.from('From mboxrd@z Thu Jan  1 00:00:00 1970\nA: 1\n\n>From x\n')));
    expect(entry.kind === 'message' && entry.bytes.toString()).toBe('A: 1\n\nFrom x\n');
    expect(entry.kind === 'message' && entry.alternateReadings?.map((reading) => reading.bytes.toString())).toEqual(['A: 1\n\n>From x\n']);
  });

  it('skips an envelope line with nothing after it', async () => {
    expect(await readEml({ path: 'a.eml' }, chunked(Buffer.from('From x\n')))).toEqual({
      kind: 'skipped',
      locator: { path: 'a.eml' },
      reason: 'empty message (only a "From " line)',
    });
  });

  it('turns a read failure into an error entry', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('A: 1\n');
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    }
    expect(await readEml({ path: 'a.eml' }, failing())).toEqual({ kind: 'error', locator: { path: 'a.eml' }, reason: 'I/O error' });
  });
});
