import { describe, expect, it } from 'vitest';
import { collect, peek } from '../../../shared/dump/chunks.ts';

function source(parts: string[], log: string[] = []): AsyncGenerator<Buffer> {
  return (async function* () {
    try {
      for (const part of parts) {
        log.push(`read ${part}`);
        yield Buffer.from(part);
      }
    } finally {
      log.push('closed');
    }
  })();
}

describe('peek', () => {
  it('shows the head and replays the whole stream', async () => {
    const log: string[] = [];
    const peeked = await peek(source(['ab', 'cd', 'ef', 'gh'], log), 3);
    expect(peeked.head.toString()).toBe('abc');
    expect(log).toEqual(['read ab', 'read cd']);
    expect((await collect(peeked.chunks, 100)).toString()).toBe('abcdefgh');
    expect(log).toContain('closed');
  });

  it('gives a shorter head for a shorter stream', async () => {
    const peeked = await peek(source(['ab']), 10);
    expect(peeked.head.toString()).toBe('ab');
    expect((await collect(peeked.chunks, 100)).toString()).toBe('ab');
  });

  it('hands a failure after the first bytes on to the reader, after those bytes', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('ab');
      throw new Error('cut');
    }
    const peeked = await peek(failing(), 10);
    expect(peeked.head.toString()).toBe('ab');
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of peeked.chunks) seen.push(chunk.toString());
      })(),
    ).rejects.toThrow('cut');
    expect(seen).toEqual(['ab']);
  });

  it('fails at once when a stream fails before its first byte', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      throw new Error('denied');
    }
    await expect(peek(failing(), 10)).rejects.toThrow('denied');
  });

  it('releases the stream on close without reading on', async () => {
    const log: string[] = [];
    const peeked = await peek(source(['ab', 'cd', 'ef'], log), 1);
    await peeked.close();
    await peeked.close();
    expect(log).toEqual(['read ab', 'closed']);
  });
});

describe('collect', () => {
  it('refuses to hold more than the limit', async () => {
    await expect(collect(source(['abc', 'def']), 5)).rejects.toThrow('larger than 5 bytes; not read');
  });
});
