import { describe, expect, it } from 'vitest';
import { ownBytes, release } from '../../../../shared/adapters/local/thread-bytes.ts';

describe('thread bytes', () => {
  it('releases a message that owns its buffer: its memory is dropped at once', () => {
    const message = Buffer.alloc(100_000, 'a');
    release(message);
    expect(message.buffer.byteLength).toBe(0);
    expect(message.length).toBe(0);
  });

  it('never releases a small Buffer, which shares Node\'s pool with others', () => {
    const small = Buffer.from('From: a@example.org\r\n');
    const neighbour = Buffer.from('Subject: kept\r\n');
    expect(small.buffer).toBe(neighbour.buffer); // both pooled
    release(small);
    expect([small.toString(), neighbour.toString()]).toEqual(['From: a@example.org\r\n', 'Subject: kept\r\n']);
  });

  it('never releases a view into a larger buffer, which may hold other messages', () => {
    const read = Buffer.alloc(1024 * 1024, 'b');
    const view = read.subarray(0, 50_000);
    release(view);
    expect([view.length, read.length]).toEqual([50_000, 1024 * 1024]);
  });

  it('gives a view its own buffer, so moving it to a thread moves only its bytes', () => {
    const read = Buffer.alloc(1024 * 1024, 'c');
    const own = ownBytes(read.subarray(10, 20));
    expect([own.buffer.byteLength, own.buffer === read.buffer]).toEqual([10, false]);
    expect(ownBytes(read)).toBe(read);
  });
});
