import { describe, expect, it } from 'vitest';
import { cutText } from '../../../shared/text/cut-text.ts';

describe('cutText', () => {
  it('returns text at or under the bound as it is', () => {
    expect(cutText('', 5)).toBe('');
    expect(cutText('abcde', 5)).toBe('abcde');
  });

  it('cuts longer text so that, with the ellipsis, it is exactly the bound', () => {
    expect(cutText('abcdef', 5)).toBe('abcd…');
    expect(cutText('x'.repeat(10_000), 300)).toHaveLength(300);
  });
});
