/**
 * The export formats: CSV is opened in spreadsheets, which run a cell beginning with "=", "+", "-", "@", a tab or
 * a CR as a formula, so such cells carry a leading "'"; the JSON lines keep every value exactly as stored.
 */
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvLines, jsonLines } from '../../../shared/pipeline/export-lines.ts';
import type { ExportRecord } from '../../../shared/ports/verdict-store.ts';

const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'] as const;

/** A record whose dump-controlled text (locator, From, subject, detail, Message-ID) begins with `start`. */
function hostileRecord(start: string): ExportRecord {
  return {
    dump: 'a'.repeat(64),
    locator: `${start}HYPERLINK(x).eml`,
    sha256: 'b'.repeat(64),
    messageId: `${start}1+1`,
    from: `${start}cmd|'/C calc'!A0`,
    date: '2025-03-01T12:00:00.000Z',
    subject: `${start}2+5+cmd`,
    verdict: 'failed',
    reasons: ['body-hash-mismatch'],
    detail: `${start}SUM(1)`,
    verifiedAt: '2025-03-02T00:00:00.000Z',
    signatures: [],
    rulesVersion: 3,
    history: [],
    arc: null,
    forensics: null,
  };
}

async function collect(lines: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const line of lines) text += line;
  return text;
}

async function* each<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

describe('the CSV export', () => {
  it.each(FORMULA_STARTS.map((start) => [JSON.stringify(start), start]))('writes a cell beginning with %s after a single quote', async (_name, start) => {
    const text = await collect(csvLines(each([hostileRecord(start)])));
    // A CR inside a cell makes it quoted; the other starts need no quoting. Each cell is written out in full.
    const cell = (value: string) => (start === '\r' ? `"'${value}"` : `'${value}`);
    expect(text).toBe(
      `${CSV_COLUMNS.join(',')}\n` +
        [
          'a'.repeat(64),
          cell(`${start}HYPERLINK(x).eml`),
          'b'.repeat(64),
          cell(`${start}1+1`),
          cell(`${start}cmd|'/C calc'!A0`),
          '2025-03-01T12:00:00.000Z',
          cell(`${start}2+5+cmd`),
          'failed',
          'body-hash-mismatch',
          cell(`${start}SUM(1)`),
          '2025-03-02T00:00:00.000Z',
          '[]',
          '3',
          '[]',
          '',
          '',
        ].join(',') +
        '\n',
    );
  });

  it('leaves other cells as they are, formula characters inside them included', async () => {
    const record = { ...hostileRecord(''), subject: 'Re: a=b, c+d', from: '"Ann" <ann@x.example>', detail: null };
    const [, row] = (await collect(csvLines(each([record])))).split('\n');
    expect(row).toBe(`${'a'.repeat(64)},HYPERLINK(x).eml,${'b'.repeat(64)},1+1,"""Ann"" <ann@x.example>",2025-03-01T12:00:00.000Z,"Re: a=b, c+d",failed,body-hash-mismatch,,2025-03-02T00:00:00.000Z,[],3,[],,`);
  });
});

describe('the JSON lines export', () => {
  it('keeps the same hostile values exactly, with no quote added', async () => {
    const records = FORMULA_STARTS.map(hostileRecord);
    const lines = (await collect(jsonLines(each(records)))).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line))).toEqual(records);
  });
});
