/** The key rotation watch against a real DNS server on loopback and the local store and archive. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteKeyArchive } from '../../../shared/adapters/local/sqlite-key-archive.ts';
import { SqliteVerdictStore } from '../../../shared/adapters/local/sqlite-verdict-store.ts';
import { systemTxtLookup } from '../../../shared/keys/dns-key-lookup.ts';
import { watchKeys } from '../../../shared/reverify/key-watch.ts';
import { startDnsServer, type TestDnsServer } from '../../helpers/dns-server.ts';
import { rsaKey } from '../../helpers/keys.ts';
import { dumpInput, messageEntry, signature } from '../../helpers/store-records.ts';
import { useTempHome } from '../../helpers/temp-home.ts';

const published = rsaKey(1024);
const rotatedOut = rsaKey(1024);
const temp = useTempHome('leakproof-key-watch-');
let dns: TestDnsServer;

beforeEach(async () => {
  dns = await startDnsServer({
    'sel1._domainkey.campaign.example': published.record,
    'sel1._domainkey.broken.example': 'servfail',
  });
});
afterEach(() => dns.close());

describe('watchKeys', () => {
  it('records what DNS publishes now for every selector seen, and tells new, still published and removed apart', async () => {
    const db = temp.open();
    const store = new SqliteVerdictStore(db);
    const archive = new SqliteKeyArchive(db);
    await store.openDump(dumpInput('d1'), new Date('2026-11-01T00:00:00Z'));
    await store.putEntries('d1', [
      { ...messageEntry('a.eml'), signatures: [signature('campaign.example')] },
      { ...messageEntry('b.eml'), signatures: [signature('gone.example')] },
      { ...messageEntry('c.eml'), signatures: [signature('broken.example')] },
    ]);
    await archive.record({ domain: 'gone.example', selector: 'sel1', value: rotatedOut.record, firstSeenAt: '2017-01-01T00:00:00.000Z', lastSeenAt: '2017-06-01T00:00:00.000Z', source: 'dns' });

    const now = new Date('2026-11-21T10:00:00Z');
    const result = await watchKeys(store, archive, systemTxtLookup(1000, [dns.address]), () => now);
    expect(result).toEqual({ selectors: 3, added: 1, stillPublished: 0, removed: 1, failed: 1 });
    expect(await archive.find('campaign.example', 'sel1')).toMatchObject([{ value: published.record, firstSeenAt: now.toISOString(), lastSeenAt: now.toISOString(), source: 'dns' }]);
    // A key no longer published keeps the last time it was seen: the archive says when it went.
    expect(await archive.find('gone.example', 'sel1')).toMatchObject([{ lastSeenAt: '2017-06-01T00:00:00.000Z' }]);

    const later = new Date('2026-11-22T10:00:00Z');
    expect(await watchKeys(store, archive, systemTxtLookup(1000, [dns.address]), () => later)).toMatchObject({ added: 0, stillPublished: 1 });
    expect(await archive.find('campaign.example', 'sel1')).toMatchObject([{ firstSeenAt: now.toISOString(), lastSeenAt: later.toISOString() }]);
  });
});
