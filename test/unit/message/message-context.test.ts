import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../../shared/dkim/header-fields.ts';
import { MAX_ADDRESS_FIELD_CHARS, messageContext, parseDate } from '../../../shared/message/message-context.ts';

const context = (headers: string) => messageContext(splitMessage(Buffer.from(`${headers}\r\n\r\nbody`, 'latin1')));

describe('messageContext', () => {
  it('reads every author of the bottom-most From, lower-cased', () => {
    expect(context('From: x@top.example\r\nFrom: A <a@One.Example>, "b, c" <b@two.example>, grp: d@three.example;').authorDomains)
      .toEqual(['one.example', 'two.example', 'three.example']);
  });

  it('knows no author when a mailbox has no domain or the field is past the cap', () => {
    expect(context('From: a@one.example, nobody').authorDomains).toEqual([]);
    expect(context('From: undisclosed-recipients:;').authorDomains).toEqual([]);
    expect(context(`From: ${'a'.repeat(MAX_ADDRESS_FIELD_CHARS)}@one.example`).authorDomains).toEqual([]);
  });

  it('counts protected fields in obsolete syntax too, and malformed lines', () => {
    const found = context('From : a@one.example\r\nFrom: b@one.example\r\nSubject\t: s\r\nnot a field');
    expect(found.headerCounts).toEqual({ from: 2, subject: 1, date: 0, to: 0, cc: 0, 'message-id': 0 });
    expect(found.malformedHeaderLines).toBe(1);
  });

  it('takes the receipt time from the topmost Received field, else Date', () => {
    expect(context('Received: from a by b; Thu, 04 May 2017 10:00:00 +0200 (CEST)\r\nDate: Wed, 03 May 2017 10:00:00 +0000').receivedAt)
      .toEqual(new Date('2017-05-04T08:00:00Z'));
    expect(context('Date: Wed, 03 May 2017 10:00:00 +0000').receivedAt).toEqual(new Date('2017-05-03T10:00:00Z'));
  });
});

describe('parseDate', () => {
  it('removes nested comments and escaped parentheses', () => {
    expect(parseDate('Thu, 04 May 2017 (a (nested \\) comment)) 10:00:00 +0000 (UTC)')).toEqual(new Date('2017-05-04T10:00:00Z'));
  });

  it('refuses dates past the length cap, such as 200 KB of "(", without scanning them', () => {
    expect(parseDate('('.repeat(200_000))).toBeNull();
    expect(parseDate(`Thu, 04 May 2017 10:00:00 +0000 ${' '.repeat(300)}x`)).toBeNull();
  });
});
