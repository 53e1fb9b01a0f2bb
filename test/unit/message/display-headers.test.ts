import { simpleParser, type AddressObject } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../../shared/dkim/header-fields.ts';
import { displayFieldsOf, MAX_DISPLAYED_FIELD_BYTES } from '../../../shared/message/display-fields.ts';
import { displayHeaders } from '../../../shared/message/display-headers.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';

/** The display headers of a message as the pipeline decodes them: its displayed fields only. */
const shown = (bytes: Buffer) => displayHeaders(displayFieldsOf(splitMessage(bytes).fields));

describe('display headers: To and Cc', () => {
  it('decodes RFC 2047 names and keeps every address, in order', async () => {
    const headers = await shown(
      buildMessage({
        to: '=?UTF-8?Q?=C3=89lodie_Roux?= <e.roux@banque.example>, "Martin, Paul" <paul@press.example>, desk@press.example',
        cc: '=?ISO-8859-1?B?Wm/r?= <zoe@audit.example>',
      }),
    );
    // Names quoted as mailparser writes them, as for From.
    expect(headers.to).toBe('"Élodie Roux" <e.roux@banque.example>, "Martin, Paul" <paul@press.example>, desk@press.example');
    expect(headers.cc).toBe('"Zoë" <zoe@audit.example>');
    expect(headers.from).toBe('"Alice Martin" <alice@campaign.example>');
  });

  it('is null for a field that is absent or names nobody', async () => {
    const noCc = await shown(buildMessage());
    expect([noCc.to, noCc.cc]).toEqual(['"Bob" <bob@press.example>', null]);
    const noTo = await shown(tamper(buildMessage(), 'To: Bob <bob@press.example>\r\n', ''));
    expect(noTo.to).toBeNull();
    expect((await shown(buildMessage({ to: '' }))).to).toBeNull();
  });

  it('shows the top-most instance, as for From: the one mail clients show (display-fields.ts)', async () => {
    const twice = tamper(buildMessage({ cc: 'Signed <signed@x.example>' }), 'MIME-Version: 1.0\r\n', 'MIME-Version: 1.0\r\nCc: Added <added@y.example>\r\n');
    const top = Buffer.concat([Buffer.from('To: Added <added@y.example>\r\n'), buildMessage()]);
    expect((await shown(twice)).cc).toBe('"Signed" <signed@x.example>');
    expect((await shown(top)).to).toBe('"Added" <added@y.example>');
  });

  it('decodes a To of thousands of addresses cut at the display cap, quickly', async () => {
    const crowd = Array.from({ length: 20_000 }, (_, i) => `person${i}@crowd.example`).join(', ');
    const started = performance.now();
    const headers = await shown(buildMessage({ to: crowd }));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(headers.to!.length).toBeLessThanOrEqual(MAX_DISPLAYED_FIELD_BYTES);
    expect(headers.to!.startsWith('person0@crowd.example, person1@crowd.example')).toBe(true);
  });
});

/** What the pipeline showed before it called mailparser's header step directly: `simpleParser` on the same fields. */
async function simpleParserShows(fields: Buffer) {
  const parsed = await simpleParser(fields, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  const text = (field: AddressObject | AddressObject[] | undefined) => (Array.isArray(field) ? field : field ? [field] : []).map((object) => object.text).join(', ') || null;
  return { messageId: parsed.messageId ?? null, from: parsed.from?.text ?? null, subject: parsed.subject ?? null, sender: parsed.from?.value[0]?.address?.toLowerCase() || null, to: text(parsed.to), cc: text(parsed.cc) };
}

/** Awkward pieces of displayed fields: encoded words of several charsets, raw 8-bit, groups, quotes, folding, forged addresses. */
const PIECES = [
  '=?UTF-8?Q?=C3=89lodie_Roux?=', '=?ISO-8859-1?B?Wm/r?=', '=?utf-8?b?0J/RgNC40LLQtdGC?=', '=?windows-1252?q?caf=E9?=', '=?UTF-8?Q?a?= =?UTF-8?Q?b?=',
  '"Martin, Paul"', 'Ünïcödé', '\u00e9t\u00e9', '(comment)', '<alice@campaign.example>', 'bob@press.example', 'undisclosed:;', 'team: a@x.example, b@y.example;',
  '=?UTF-8?B?PGV2aWxAYXR0YWNrZXIuZXhhbXBsZT4=?=', '<=?UTF-8?Q?evil=40x.example?=>', '\r\n ', '\r\n\t', ',', ' ', '"', '<', '>', '@', ';', ':', '\\',
  '=?UTF-8?Q?unterminated', 'xn--bcher-kva.example', 'a@xn--bcher-kva.example', '=?GB2312?B?1tDOxA==?=',
];

function seededPieces(seed: number, count: number): string {
  let state = seed;
  const next = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31), state);
  return Array.from({ length: count }, () => PIECES[next() % PIECES.length]).join(next() % 2 === 0 ? ' ' : '');
}

describe("display headers: mailparser's header step without its streams", () => {
  it('shows what simpleParser shows, on 400 awkward field sets (8-bit, encoded words, groups, folding, forged addresses)', async () => {
    for (let seed = 1; seed <= 400; seed++) {
      const value = (salt: number) => seededPieces(seed * 7 + salt, 1 + ((seed + salt) % 9));
      const fields = Buffer.concat([
        Buffer.from(`From: ${value(1)}\r\nTo: ${value(2)}\r\nCc: ${value(3)}\r\nSubject: ${value(4)}\r\nMessage-ID: ${value(5)}\r\n`, seed % 3 === 0 ? 'latin1' : 'utf8'),
        Buffer.from('\r\n'),
      ]);
      const { date: _date, ...shown } = displayHeaders(fields);
      expect(shown, `seed ${seed}`).toEqual(await simpleParserShows(fields));
    }
  });

  it('reads the Date as mailparser does, unfolded, and a Date it cannot read as none rather than the time of reading', () => {
    const dated = (date: string) => displayHeaders(Buffer.from(`Date: ${date}\r\n\r\n`)).date;
    expect(dated('Tue, 2 May 2017\r\n 14:03:00 +0200')).toBe('2017-05-02T12:03:00.000Z');
    expect(dated('=?UTF-8?Q?not_a_date?=')).toBeNull();
    expect(dated('')).toBeNull();
  });
});
