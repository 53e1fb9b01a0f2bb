import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { publicKeyRecord } from '../../shared/dkim/sign.ts';
import type { FoundKey, KeyLookup, KeyResolver } from '../../shared/ports/key-resolver.ts';

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  record: string;
}

/** Keys are generated when the tests run: nothing secret or stale is committed. */
export function rsaKey(bits = 1024): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { privateKey, publicKey, record: publicKeyRecord(publicKey) };
}

export function ed25519Key(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, record: publicKeyRecord(publicKey) };
}

/**
 * A resolver over a fixed map "selector._domainkey.domain" → TXT record(s), like the corpus's keys/*.json.
 * A name that maps to null answers a DNS error; a missing name answers "no record".
 */
export function staticResolver(records: Record<string, string | string[] | null>): KeyResolver {
  const byName = new Map(Object.entries(records).map(([name, value]) => [name.replace(/\.$/, '').toLowerCase(), value]));
  return {
    async resolve(domain, selector): Promise<KeyLookup> {
      const name = `${selector}._domainkey.${domain}`.toLowerCase();
      if (!byName.has(name)) return { status: 'none', detail: `no key record at ${name}` };
      const value = byName.get(name);
      if (value === null || value === undefined) return { status: 'error', detail: `DNS lookup of ${name} failed` };
      const values = Array.isArray(value) ? value : [value];
      return { status: 'found', keys: values.map((v): FoundKey => ({ domain, selector, value: v, firstSeenAt: null, lastSeenAt: null, source: 'test', via: 'archive' })) };
    },
  };
}
