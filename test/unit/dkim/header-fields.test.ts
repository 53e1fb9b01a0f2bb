import { describe, expect, it } from 'vitest';
import { canonicalHeader } from '../../../shared/dkim/canonicalize-header.ts';
import { fieldValue, indexFields, splitMessage } from '../../../shared/dkim/header-fields.ts';

const split = (text: string) => splitMessage(Buffer.from(text, 'latin1'));

describe('splitMessage', () => {
  it('reads `name WSP* :` as a field named without the white space (RFC 5322 §4.5)', () => {
    const { fields, malformedLines } = split('From : a@b.example\r\nSubject\t: hi\r\nDate  :x\r\n\r\nbody');
    expect(fields.map((field) => [field.name, field.key, fieldValue(field)])).toEqual([
      ['From', 'from', ' a@b.example'],
      ['Subject', 'subject', ' hi'],
      ['Date', 'date', 'x'],
    ]);
    expect(malformedLines).toBe(0);
  });

  it('counts lines that are neither a field nor a continuation, but not a leading envelope line', () => {
    expect(split('From a@b Thu May  4 10:00:00 2017\r\nSubject: x\r\n\r\n').malformedLines).toBe(0);
    expect(split('Subject: x\r\nno colon here\r\n\r\n').malformedLines).toBe(1);
    expect(split('Subject: x\r\nReply To: y\r\n\r\n').malformedLines).toBe(1);
    expect(split(' leading continuation\r\nSubject: x\r\n\r\n').malformedLines).toBe(1);
    expect(split('Subject: x\r\n \t\r\n\r\n').malformedLines).toBe(1);
    expect(split('Subject: x\r\nFrom y\r\n\r\n').malformedLines).toBe(1);
    expect(split('Sub\xe9ject: x\r\n\r\n').malformedLines).toBe(1);
    expect(split('X-Note: x\rFrom: ceo@bank.example\r\nSubject: x\r\n\r\n').malformedLines).toBe(1);
    expect(split('Subject: x\r\r\nTo: y\n\n').malformedLines).toBe(1);
    expect(split('Subject: x\nTo: y\n\nbody\rwith a CR').malformedLines).toBe(0);
  });

  it('keeps folded fields whole and finds the body after the first empty line, with LF or CRLF', () => {
    const crlf = split('Subject: a\r\n  b\r\nTo: c\r\n\r\nbody\r\n');
    const lf = split('Subject: a\n  b\nTo: c\n\nbody\n');
    expect(crlf.fields.map(fieldValue)).toEqual([' a  b', ' c']);
    expect(lf.fields.map(fieldValue)).toEqual([' a  b', ' c']);
    expect(crlf.bodyStart).toBe('Subject: a\r\n  b\r\nTo: c\r\n\r\n'.length);
  });

  it('indexes fields by name, top to bottom', () => {
    const { fields } = split('Received: 1\r\nFrom: a\r\nreceived: 2\r\n\r\n');
    expect([...indexFields(fields)]).toEqual([['received', [0, 2]], ['from', [1]]]);
  });
});

describe('canonicalHeader', () => {
  const field = (text: string) => split(`${text}\r\n\r\n`).fields[0]!;

  it('relaxed: lower-cases the name, drops white space before the colon, folds SP/HTAB runs (RFC 6376 §3.4.2)', () => {
    expect(canonicalHeader(field('SUBJECT \t:  a \t b\r\n\t c  '), 'relaxed')).toBe('subject:a b c\r\n');
  });

  it('relaxed: keeps every byte that is not SP or HTAB, at the ends too', () => {
    for (const byte of ['\x0b', '\x0c', '\xa0', '\r', '\x00']) {
      expect(canonicalHeader(field(`Subject: ${byte}x${byte}`), 'relaxed')).toBe(`subject:${byte}x${byte}\r\n`);
    }
  });

  it('relaxed: a UTF-8 value ending in "à" keeps its 0xA0 byte', () => {
    const subject = Buffer.from('Subject: à', 'utf8').toString('latin1');
    expect(canonicalHeader(field(subject), 'relaxed')).toBe(`subject:${subject.slice('Subject: '.length)}\r\n`);
  });

  it('simple: the field as written, line ends made CRLF', () => {
    expect(canonicalHeader(split('Subject :  a\n  b\n\n').fields[0]!, 'simple')).toBe('Subject :  a\r\n  b\r\n');
  });
});
