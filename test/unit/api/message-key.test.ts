import { describe, expect, it } from 'vitest';
import { locatorOfMessageKey, messageKeyOf } from '../../../shared/api/message-key.ts';

describe('message keys', () => {
  it('carry any locator through a URL path segment and back', () => {
    for (const locator of ['inbox/1.eml', 'a.mbox#1234', 'outer.zip!/inner.mbox#0', 'cur/1382298587.002228:2,', 'Ünïcode/ß #?%/.eml', '']) {
      const key = messageKeyOf(locator);
      expect(key).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(locatorOfMessageKey(key === '' ? 'A' : key)).toBe(locator === '' ? null : locator);
    }
  });

  it('refuse what messageKeyOf could not have made', () => {
    // Padding, other alphabets, stray bits in the last character, bytes that are not UTF-8.
    for (const key of ['aGk=', 'aGk+', 'a', 'aGl', Buffer.from([0xff, 0xfe]).toString('base64url'), 'a b']) {
      expect(locatorOfMessageKey(key), key).toBeNull();
    }
  });
});
