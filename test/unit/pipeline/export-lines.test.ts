/**
 * The export formats: CSV is opened in spreadsheets, which run a cell beginning with "=", "+", "-", "@", a tab or
 * a CR as a formula, so such cells carry a leading "'"; the JSON lines keep every value exactly as stored.
 */
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvLines, jsonLines } from '../../../shared/pipeline/export-lines.ts';
import type { ExportRecord } from '../../../shared/ports/verdict-store.ts';
import { readableEvidence } from '../../../shared/pipeline/readable-evidence.ts';
import { keyEvidence, signature } from '../../helpers/store-records.ts';

const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'] as const;
const EXPLANATION = 'Changed after it was sent. The headers are genuine, but the body was changed after it was sent.';

/** A record whose dump-controlled text (locator, From, subject, detail, Message-ID, To, Cc) begins with `start`. */
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
    to: `${start}Bob <bob@x.example>`,
    cc: `${start}Carol <carol@x.example>`,
    unsignedShown: ['subject', 'from'],
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
          `"${EXPLANATION}"`,
          ...['', '', '', '', ''],
          // To and Cc: the last columns, after the evidence in words.
          cell(`${start}Bob <bob@x.example>`),
          cell(`${start}Carol <carol@x.example>`),
          // Which shown values are not signed, in words: after To and Cc.
          '"Subject, From"',
        ].join(',') +
        '\n',
    );
  });

  it('leaves other cells as they are, formula characters inside them included', async () => {
    const record = { ...hostileRecord(''), subject: 'Re: a=b, c+d', from: '"Ann" <ann@x.example>', detail: null, to: 'Bob <bob@x.example>, "Carl" <carl@y.example>', cc: null, unsignedShown: [] };
    const [, row] = (await collect(csvLines(each([record])))).split('\n');
    expect(row).toBe(`${'a'.repeat(64)},HYPERLINK(x).eml,${'b'.repeat(64)},1+1,"""Ann"" <ann@x.example>",2025-03-01T12:00:00.000Z,"Re: a=b, c+d",failed,body-hash-mismatch,,2025-03-02T00:00:00.000Z,[],3,[],,,"${EXPLANATION}",,,,,,"Bob <bob@x.example>, ""Carl"" <carl@y.example>",,`);
  });
});

describe('the evidence in words (the last CSV columns)', () => {
  /** The readable evidence, and the CSV row that carries it. */
  const cells = async (record: ExportRecord) => {
    const [, row] = (await collect(csvLines(each([record])))).split('\n');
    return { ...readableEvidence(record), row: row! };
  };

  it('names the signer, selector, key size and source, and the unsigned tail of an l= signature', async () => {
    const signed = signature('campaign.example', {
      s: 's2017',
      l: 208,
      bodyLength: 329,
      h: ['from', 'to', 'subject', 'date'],
      key: keyEvidence({ bits: 2048, source: 'archive', origin: 'keys.jsonl', firstSeenAt: '2016-09-01T00:00:00.000Z', lastSeenAt: '2017-09-30T00:00:00.000Z' }),
    });
    const row = await cells({ ...hostileRecord(''), verdict: 'partially-verified', reasons: ['body-length-limit', 'unsigned-header'], signatures: [signed] });
    expect(row).toMatchObject({
      signer: 'campaign.example',
      selector: 's2017',
      keyBits: 2048,
      keySource: 'archive (keys.jsonl), seen 2016-09-01 to 2017-09-30',
      unsigned: 'body after byte 208 of 329; headers not in h=: cc (or an extra instance of a signed one)',
    });
    expect(row.explanation).toContain('Only the first part of the body is signed');
    expect(row.row.endsWith(',campaign.example,s2017,2048,"archive (keys.jsonl), seen 2016-09-01 to 2017-09-30",body after byte 208 of 329; headers not in h=: cc (or an extra instance of a signed one),Bob <bob@x.example>,Carol <carol@x.example>,"Subject, From"')).toBe(true);
  });

  it('claims nothing unsigned for a signature whose header signature failed', async () => {
    const failed = signature('campaign.example', { status: 'signature-mismatch', headerSignature: 'fail', bodyHash: 'pass', l: 10, bodyLength: 99 });
    const row = await cells({ ...hostileRecord(''), reasons: ['signature-mismatch'], signatures: [failed] });
    expect(row.unsigned).toBeNull();
    expect(row.explanation).toBe('Changed after it was sent. The body is intact; a signed header line was changed, or the key found is not the one that signed.');
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
