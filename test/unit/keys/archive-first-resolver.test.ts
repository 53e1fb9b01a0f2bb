import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteKeyArchive } from '../../../shared/adapters/local/sqlite-key-archive.ts';
import { archiveFirstResolver } from '../../../shared/keys/archive-first-resolver.ts';
import { systemTxtLookup } from '../../../shared/keys/dns-key-lookup.ts';
import { verifyMessage } from '../../../shared/verify/verify-message.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { startDnsServer, type TestDnsServer } from '../../helpers/dns-server.ts';
import { rsaKey } from '../../helpers/keys.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { useTempHome } from '../../helpers/temp-home.ts';

const live = rsaKey(2048);
const archived = rsaKey(1024);
const SEEN_AT = new Date('2026-11-21T10:00:00Z');
const temp = useTempHome('leakproof-resolver-');
let dns: TestDnsServer;

beforeAll(async () => {
  dns = await startDnsServer({
    'live._domainkey.campaign.example': live.record,
    'broken._domainkey.campaign.example': 'servfail',
    'dead._domainkey.campaign.example': 'silent',
    'other._domainkey.campaign.example': 'v=spf1 -all', // a TXT record that is not a key
  });
});
afterAll(() => dns.close());

function resolver(offline = false) {
  const archive = new SqliteKeyArchive(temp.open());
  return { archive, resolver: archiveFirstResolver({ archive, dns: offline ? null : systemTxtLookup(300, [dns.address]), now: () => SEEN_AT }) };
}

describe('archiveFirstResolver', () => {
  it('answers from the archive without asking DNS', async () => {
    const { archive, resolver: keys } = resolver();
    await archive.record({ domain: 'campaign.example', selector: 'live', value: archived.record, firstSeenAt: '2017-01-01T00:00:00.000Z', lastSeenAt: '2017-06-01T00:00:00.000Z', source: 'archive.zk.email' });
    const before = dns.queries.length;
    const answer = await keys.resolve('campaign.example', 'live');
    expect(answer).toMatchObject({ status: 'found', keys: [{ value: archived.record, via: 'archive', firstSeenAt: '2017-01-01T00:00:00.000Z' }] });
    expect(dns.queries.length).toBe(before);
  });

  it('fetches a key from DNS (records split in 255-byte strings) and archives it with the time it was seen', async () => {
    const { archive, resolver: keys } = resolver();
    expect(await keys.resolve('campaign.example', 'live')).toMatchObject({ status: 'found', keys: [{ value: live.record, via: 'dns' }] });
    expect(await archive.find('campaign.example', 'live')).toEqual([
      { domain: 'campaign.example', selector: 'live', value: live.record, firstSeenAt: SEEN_AT.toISOString(), lastSeenAt: SEEN_AT.toISOString(), source: 'dns', compromisedAt: null },
    ]);
  });

  it('tells a missing record from a failed lookup', async () => {
    const { resolver: keys } = resolver();
    expect(await keys.resolve('campaign.example', 'gone')).toMatchObject({ status: 'none' });
    expect(await keys.resolve('campaign.example', 'other')).toMatchObject({ status: 'none' });
    expect(await keys.resolve('campaign.example', 'broken')).toMatchObject({ status: 'error' });
    expect(await keys.resolve('campaign.example', 'dead')).toMatchObject({ status: 'error', detail: expect.stringMatching(/ETIMEOUT/) });
  });

  it('never asks DNS when offline', async () => {
    const { resolver: keys } = resolver(true);
    const before = dns.queries.length;
    expect(await keys.resolve('campaign.example', 'live')).toMatchObject({ status: 'none', detail: expect.stringMatching(/offline/) });
    expect(dns.queries.length).toBe(before);
  });

  it('gives verdicts through the chain: verified with a DNS key, dns-error when the server fails', async () => {
    const { resolver: keys } = resolver();
    const at = new Date('2026-11-21T00:00:00Z');
    const sign = (selector: string) => signMessage(buildMessage(), { domain: 'campaign.example', selector, privateKey: live.privateKey });
    const verified = await verifyMessage({ bytes: sign('live') }, keys, at);
    expect([verified.verdict, verified.signatures[0]!.key]).toMatchObject(['verified', { source: 'dns', firstSeenAt: SEEN_AT.toISOString() }]);
    const failed = await verifyMessage({ bytes: sign('broken') }, keys, at);
    expect([failed.verdict, failed.reasons]).toEqual(['unverified', ['dns-error']]);
  });
});
