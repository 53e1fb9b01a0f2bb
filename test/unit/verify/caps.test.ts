/**
 * The per-message caps (shared/dkim/limits.ts) as behaviour: what is over a cap is recorded as not checked and
 * never verified. How fast the hostile classes run is measured by `npm run bench` (worst-case table), not here.
 */
import { describe, expect, it } from 'vitest';
import { MAX_SIGNATURES_CHECKED, MAX_SIGNED_HEADER_NAMES } from '../../../shared/dkim/limits.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import type { KeyLookup, KeyResolver } from '../../../shared/ports/key-resolver.ts';
import { verifyMessage } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage } from '../../helpers/messages.ts';

const AT = new Date('2026-11-21T00:00:00Z');
const key = rsaKey(1024);
const keys = { 'sel._domainkey.campaign.example': key.record, 'other._domainkey.campaign.example': key.record };

function signedBy(message: Buffer, options: { selector?: string; bodyLength?: number; headers?: string[] } = {}): Buffer {
  return signMessage(message, { domain: 'campaign.example', selector: options.selector ?? 'sel', privateKey: key.privateKey, ...options });
}

describe('signatures per message', () => {
  it(`checks the first ${MAX_SIGNATURES_CHECKED} and records the rest as not checked`, async () => {
    let message = signedBy(buildMessage());
    for (let i = 0; i < MAX_SIGNATURES_CHECKED; i++) message = signedBy(message, { selector: 'missing' });
    const result = await verifyMessage({ bytes: message }, staticResolver(keys), AT);
    expect(result.signatures).toHaveLength(MAX_SIGNATURES_CHECKED + 1);
    expect(result.signatures.slice(0, MAX_SIGNATURES_CHECKED).every((s) => s.status === 'key-unavailable')).toBe(true);
    // The genuine signature sits below the cap: stacking signatures above it cannot make the message verified.
    expect(result.signatures.at(-1)).toMatchObject({ status: 'not-checked', reasons: ['over-limit'], d: 'campaign.example', s: 'sel' });
    expect([result.verdict, result.reasons]).toEqual(['unverified', ['key-unavailable', 'over-limit']]);
  });

  it('hashes many l= values of one body correctly in one pass', async () => {
    let message = buildMessage({ body: 'line one\r\nline two\r\nline three\r\n' });
    const lengths = [0, 1, 5, 10, 11, 20, 31, 35];
    for (const bodyLength of lengths) message = signedBy(message, { bodyLength });
    const result = await verifyMessage({ bytes: message }, staticResolver(keys), AT);
    expect(result.signatures.map((s) => [s.l, s.status])).toEqual([...lengths].reverse().map((l) => [l, 'pass']));
  });
});

describe('h= length', () => {
  it(`does not check a signature naming more than ${MAX_SIGNED_HEADER_NAMES} fields`, async () => {
    const headers = ['from', ...Array.from({ length: MAX_SIGNED_HEADER_NAMES }, (_, i) => `x-${i}`)];
    const result = await verifyMessage({ bytes: signedBy(buildMessage(), { headers }) }, staticResolver(keys), AT);
    expect(result.signatures[0]).toMatchObject({ status: 'not-checked', reasons: ['over-limit'] });
    expect(result.verdict).toBe('unverified');
    const within = await verifyMessage({ bytes: signedBy(buildMessage(), { headers: headers.slice(0, MAX_SIGNED_HEADER_NAMES) }) }, staticResolver(keys), AT);
    expect(within.verdict).toBe('partially-verified'); // To, Subject, Date unsigned: the h= is accepted and checked
  });
});

describe('key lookups', () => {
  it('asks for every selector of a message at once', async () => {
    let inFlight = 0;
    let most = 0;
    const slow: KeyResolver = {
      async resolve(): Promise<KeyLookup> {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight--;
        return { status: 'none', detail: 'none' };
      },
    };
    let message = buildMessage();
    for (let i = 0; i < 10; i++) message = signedBy(message, { selector: `s${i}` });
    await verifyMessage({ bytes: message }, slow, AT);
    expect(most).toBe(10);
  });

  it('answers dns-error for lookups still running at the per-message deadline', async () => {
    const silent: KeyResolver = { resolve: () => new Promise<KeyLookup>(() => {}) };
    const result = await verifyMessage({ bytes: signedBy(buildMessage()) }, silent, AT, { keyLookupDeadlineMs: 30 });
    expect(result.signatures[0]).toMatchObject({ status: 'dns-error', detail: 'key lookup took longer than 30 ms (per-message deadline)' });
    expect([result.verdict, result.reasons]).toEqual(['unverified', ['dns-error']]);
  });
});
