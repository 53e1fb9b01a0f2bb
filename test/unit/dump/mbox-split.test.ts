import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MboxSplitter, separatorLength, splitMbox, type MboxRecord } from '../../../shared/dump/mbox-split.ts';

function splitWhole(mbox: Buffer, maxMessageBytes?: number): MboxRecord[] {
  const splitter = new MboxSplitter(maxMessageBytes);
  return [...splitter.push(mbox), ...splitter.end()];
}

function splitInPieces(mbox: Buffer, cuts: number[]): MboxRecord[] {
  const splitter = new MboxSplitter();
  const records: MboxRecord[] = [];
  let from = 0;
  for (const cut of [...cuts, mbox.length]) {
    records.push(...splitter.push(mbox.subarray(from, cut)));
    from = cut;
  }
  return [...records, ...splitter.end()];
}

const text = (records: MboxRecord[]): string[] => records.map((record) => record.stored.toString('latin1'));

const LF_MBOX = Buffer.from(
  'From a@x Mon Jan  1 00:00:00 2001\nSubject: one\n\nbody one\n\n' +
    'From b@x Mon Jan  1 00:00:00 2001\nSubject: two\n\n>From quoted\n\n' +
    'From c@x Mon Jan  1 00:00:00 2001\nSubject: three\n\nlast, no separator\n',
  'latin1',
);

describe('mbox splitting', () => {
  it('splits at "From " line starts, dropping envelopes and the separator blank line', () => {
    expect(text(splitWhole(LF_MBOX))).toEqual([
      'Subject: one\n\nbody one\n',
      'Subject: two\n\n>From quoted\n',
      'Subject: three\n\nlast, no separator\n',
    ]);
  });

  it('splits at an unquoted "From " line in a body too (a writer should have quoted it)', () => {
    const mbox = Buffer.from('From a\nA: 1\n\nFrom the start\nmore\n', 'latin1');
    expect(text(splitWhole(mbox))).toEqual(['A: 1\n', 'more\n']);
  });

  it('gives each record the offset of its "From " line and the length through the stored message', () => {
    const records = splitWhole(LF_MBOX);
    for (const record of records) {
      const region = LF_MBOX.subarray(record.offset, record.offset + record.length).toString('latin1');
      expect(region.startsWith('From ')).toBe(true);
      expect(region.endsWith(record.stored.toString('latin1'))).toBe(true);
    }
    expect(records[0]?.offset).toBe(0);
    expect(records[1]?.offset).toBe(LF_MBOX.indexOf('From b@x'));
  });

  it('handles CRLF files, stripping exactly one CRLF separator', () => {
    const mbox = Buffer.from('From a\r\nA: 1\r\n\r\nx\r\n\r\n\r\nFrom b\r\nB: 2\r\n\r\ny\r\n\r\n', 'latin1');
    expect(text(splitWhole(mbox))).toEqual(['A: 1\r\n\r\nx\r\n\r\n', 'B: 2\r\n\r\ny\r\n']);
  });

  it('does not split at "From" without the space, at ">From ", or in mid-line', () => {
    const mbox = Buffer.from('From a\nA: 1\n\nFrom: x\n>From y\nsay From z\n', 'latin1');
    expect(text(splitWhole(mbox))).toEqual(['A: 1\n\nFrom: x\n>From y\nsay From z\n']);
  });

  it('gives the same records however the stream is chunked', () => {
    const mbox = Buffer.concat([LF_MBOX, Buffer.from('From d\r\nD: 4\r\n\r\nFr\r\nFrom\r\n', 'latin1')]);
    const expected = splitWhole(mbox);
    const byteByByte = [...Array(mbox.length).keys()].slice(1);
    expect(splitInPieces(mbox, byteByByte)).toEqual(expected);
    for (let round = 0; round < 200; round++) {
      const cuts = [...new Set([...Array(randomInt(1, 8))].map(() => randomInt(1, mbox.length)))].sort((a, b) => a - b);
      expect(splitInPieces(mbox, cuts)).toEqual(expected);
    }
  });

  it('keeps bytes before the first "From " line as a record without envelope', () => {
    const records = splitWhole(Buffer.from('Subject: lone\n\nhi\n', 'latin1'));
    expect(records).toEqual([{ offset: 0, length: 18, hasEnvelope: false, stored: Buffer.from('Subject: lone\n\nhi\n'), oversized: false }]);
    expect(splitWhole(Buffer.alloc(0))).toEqual([]);
  });

  it('yields an empty record for a "From " line with nothing after it', () => {
    const records = splitWhole(Buffer.from('From a\nA: 1\n\nFrom b', 'latin1'));
    expect(records.map((record) => [record.offset, record.length, record.stored.length])).toEqual([
      [0, 12, 5],
      [13, 6, 0],
    ]);
  });

  it('drops messages over the size limit but keeps their place', () => {
    const mbox = Buffer.from(`From a\nA: ${'x'.repeat(100)}\n\nFrom b\nB: 1\n`, 'latin1');
    const records = splitWhole(mbox, 50);
    expect(records.map((record) => record.oversized)).toEqual([true, false]);
    expect(records[0]?.stored.length).toBe(0);
    expect(records[1]?.stored.toString()).toBe('B: 1\n');
  });

  it('reads any async iterable of Buffers', async () => {
    async function* chunks(): AsyncGenerator<Buffer> {
      yield LF_MBOX.subarray(0, 40);
      yield LF_MBOX.subarray(40);
    }
    const records: MboxRecord[] = [];
    for await (const record of splitMbox(chunks())) records.push(record);
    expect(records).toEqual(splitWhole(LF_MBOX));
  });
});

describe('separatorLength', () => {
  it('is the last line ending when it ends an empty line', () => {
    expect(separatorLength(Buffer.from('a\n\n'))).toBe(1);
    expect(separatorLength(Buffer.from('a\r\n\r\n'))).toBe(2);
    expect(separatorLength(Buffer.from('a\n'))).toBe(0);
    expect(separatorLength(Buffer.from('a\r\n'))).toBe(0);
    expect(separatorLength(Buffer.from('a'))).toBe(0);
  });
});
