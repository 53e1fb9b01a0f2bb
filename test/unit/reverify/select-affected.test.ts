import { describe, expect, it } from 'vitest';
import type { ArchivedKey } from '../../../shared/ports/key-archive.ts';
import type { SelectorUse } from '../../../shared/ports/verdict-store.ts';
import { causeFor } from '../../../shared/reverify/select-affected.ts';

const key = (value: string, compromisedAt: string | null = null): ArchivedKey => ({ domain: 'd.example', selector: 's', value, firstSeenAt: null, lastSeenAt: null, source: 'test', compromisedAt });
const use = (overrides: Partial<SelectorUse>): SelectorUse => ({ dumpId: 'd', locator: 'a.eml', verdict: 'verified', rulesVersion: 1, status: 'pass', keyRecord: 'p=A', keyCompromisedAt: null, ...overrides });

describe('why a stored signature needs re-verifying', () => {
  it('a signature that waited for a key: any key now archived', () => {
    expect(causeFor(use({ status: 'key-unavailable', keyRecord: null, verdict: 'unverified' }), [key('p=A')])).toBe('new-key');
    expect(causeFor(use({ status: 'dns-error', keyRecord: null, verdict: 'unverified' }), [key('p=A')])).toBe('new-key');
  });

  it('a revoked record: only another key for the selector', () => {
    expect(causeFor(use({ status: 'key-revoked', keyRecord: 'p=' }), [key('p=')])).toBeNull();
    expect(causeFor(use({ status: 'key-revoked', keyRecord: 'p=' }), [key('p='), key('p=OLD')])).toBe('new-key');
  });

  it('a signature checked with a key the archive has since marked compromised', () => {
    expect(causeFor(use({}), [key('p=A', '2020-01-01T00:00:00.000Z')])).toBe('key-compromised');
    expect(causeFor(use({ status: 'body-hash-mismatch', verdict: 'failed' }), [key('p=A', '2020-01-01T00:00:00.000Z')])).toBe('key-compromised');
    expect(causeFor(use({ keyCompromisedAt: '2019-01-01T00:00:00.000Z' }), [key('p=A', '2018-01-01T00:00:00.000Z')])).toBe('key-compromised');
  });

  it('nothing when the evidence matches the archive, or the key is another', () => {
    expect(causeFor(use({}), [key('p=A')])).toBeNull();
    expect(causeFor(use({ keyCompromisedAt: '2020-01-01T00:00:00.000Z' }), [key('p=A', '2020-01-01T00:00:00.000Z')])).toBeNull();
    expect(causeFor(use({}), [key('p=B', '2020-01-01T00:00:00.000Z')])).toBeNull();
    expect(causeFor(use({ status: 'pass', keyRecord: null }), [key('p=A')])).toBeNull();
  });
});
