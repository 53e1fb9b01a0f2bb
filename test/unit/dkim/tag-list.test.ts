import { describe, expect, it } from 'vitest';
import { base64Value, parseTagList } from '../../../shared/dkim/tag-list.ts';

describe('parseTagList (RFC 6376 §3.2)', () => {
  it('removes folding white space around names and values, and nothing else', () => {
    expect([...parseTagList(' v = 1 ;\r\n\td=a.example\x0b ; ')]).toEqual([['v', '1'], ['d', 'a.example\x0b']]);
  });

  it('refuses a duplicated tag and a tag without "="', () => {
    expect(() => parseTagList('d=a; d=b')).toThrow('duplicate tag "d"');
    expect(() => parseTagList('d=a; junk')).toThrow('tag without "="');
  });
});

describe('base64Value', () => {
  it('removes folding white space anywhere', () => {
    expect(base64Value(' AB\r\n\tCD EF==')).toBe('ABCDEF==');
  });

  it('refuses what is not base64, which Node would skip silently', () => {
    expect(base64Value('AB\x0bCD')).toBeNull();
    expect(base64Value('AB!CD')).toBeNull();
    expect(base64Value('ABCDE')).toBeNull();
    expect(base64Value('AB=C')).toBeNull();
  });
});
