import { describe, expect, it } from 'vitest';
import { MAX_CLAIMS, MAX_CLAIMS_CHARS, readClaims } from '../../../shared/arc/claims.ts';

describe('readClaims (ARC-Authentication-Results, minimally)', () => {
  it('reads the authserv-id and each method=result with the domain it names', () => {
    const read = readClaims(
      'i=1; mx.google.com; dkim=pass header.i=@Campaign.Example header.s=s1 header.b=abc; spf=pass (google.com: domain of a@b.example designates 1.2.3.4) smtp.mailfrom=alice@bounce.example; dmarc=pass (p=NONE) header.from=campaign.example; arc=none',
    );
    expect(read).toEqual({
      authservId: 'mx.google.com',
      claims: [
        { method: 'dkim', result: 'pass', domain: 'campaign.example' },
        { method: 'spf', result: 'pass', domain: 'bounce.example' },
        { method: 'dmarc', result: 'pass', domain: 'campaign.example' },
        { method: 'arc', result: 'none', domain: null },
      ],
      detail: null,
    });
  });

  it('prefers header.d to header.i, unquotes values, and keeps a comment from passing for a result', () => {
    const read = readClaims('i=2; mx.example 1; dkim=fail (dkim=pass header.d=campaign.example) header.d="lists.example" header.i=@campaign.example');
    expect(read.claims).toEqual([{ method: 'dkim', result: 'fail', domain: 'lists.example' }]);
    expect(read.authservId).toBe('mx.example');
  });

  it('"none" and junk are no claims; the count and the length are capped', () => {
    expect(readClaims('i=1; mx.example; none').claims).toEqual([]);
    expect(readClaims(`i=1; mx.example; ${'dkim=pass header.d=a.example; '.repeat(100)}`).claims).toHaveLength(MAX_CLAIMS);
    const long = readClaims(`i=1; mx.example; dkim=pass header.d=campaign.example; x=${'y'.repeat(MAX_CLAIMS_CHARS)}`);
    expect(long).toMatchObject({ authservId: null, claims: [] });
    expect(long.detail).toMatch(/claims not read/);
  });

  it('stays linear on 200 KB of unbalanced comments', () => {
    const started = performance.now();
    readClaims(`i=1; mx.example; dkim=pass ${'('.repeat(200_000)}`.slice(0, MAX_CLAIMS_CHARS));
    readClaims('i=1; ' + '('.repeat(200_000));
    expect(performance.now() - started).toBeLessThan(500);
  });
});
