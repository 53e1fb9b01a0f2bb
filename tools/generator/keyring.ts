import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { publicKeyRecord } from '../../shared/dkim/sign.ts';
import { CAMPAIGN, ESP_DOMAIN, MAILING_LIST, PERSONAL, PRESS } from './organisations.ts';

/**
 * The signing keys of a generated dump, and what keys.jsonl publishes for them. Keys are generated at run
 * time (Node cannot derive an RSA key from a seed); only the verdicts have to be deterministic, and they do
 * not depend on key material.
 */
export type KeyId =
  | 'campaign-main'
  | 'campaign-ed25519'
  | 'campaign-retired'
  | 'list-main'
  | 'list-sha1'
  | 'list-unpublished'
  | 'press-main'
  | 'press-weak'
  | 'personal-main'
  | 'esp-main';

export interface KeySpec {
  domain: string;
  selector: string;
  type: 'rsa' | 'ed25519';
  bits?: number;
  /** What keys.jsonl says: the key itself, a revocation (empty p=), or nothing at all. */
  published: 'key' | 'revoked' | 'absent';
}

export const KEY_SPECS: Record<KeyId, KeySpec> = {
  'campaign-main': { domain: CAMPAIGN.domain, selector: 'mail2017', type: 'rsa', bits: 2048, published: 'key' },
  'campaign-ed25519': { domain: CAMPAIGN.domain, selector: 'ed2017', type: 'ed25519', published: 'key' },
  'campaign-retired': { domain: CAMPAIGN.domain, selector: 'mail2016', type: 'rsa', bits: 1024, published: 'revoked' },
  'list-main': { domain: MAILING_LIST.domain, selector: 'list', type: 'rsa', bits: 2048, published: 'key' },
  'list-sha1': { domain: MAILING_LIST.domain, selector: 'legacy', type: 'rsa', bits: 1024, published: 'key' },
  'list-unpublished': { domain: MAILING_LIST.domain, selector: 'rotated2016', type: 'rsa', bits: 1024, published: 'absent' },
  'press-main': { domain: PRESS.domain, selector: 'zimbra', type: 'rsa', bits: 2048, published: 'key' },
  'press-weak': { domain: PRESS.domain, selector: 'old', type: 'rsa', bits: 512, published: 'key' },
  'personal-main': { domain: PERSONAL.domain, selector: 's1024', type: 'rsa', bits: 2048, published: 'key' },
  'esp-main': { domain: ESP_DOMAIN, selector: 'sw1', type: 'rsa', bits: 2048, published: 'key' },
};

export interface SigningKey extends KeySpec {
  id: KeyId;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export type Keyring = Record<KeyId, SigningKey>;

export function createKeyring(): Keyring {
  const entries = (Object.entries(KEY_SPECS) as [KeyId, KeySpec][]).map(([id, spec]) => {
    const pair =
      spec.type === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: spec.bits ?? 2048 });
    return [id, { ...spec, id, ...pair }] as const;
  });
  return Object.fromEntries(entries) as Keyring;
}

/** One line of keys.jsonl, in archive.zk.email's DkimRecord shape (what `leakproof keys import` reads). */
export interface PublishedKeyRecord {
  domain: string;
  selector: string;
  value: string;
  firstSeenAt: string;
  lastSeenAt: string;
  source: string;
}

export const KEYS_SOURCE = 'leakproof-generator';

/** The records of keys.jsonl: every key but the unpublished one, and an empty p= for the revoked one. */
export function publishedRecords(keyring: Keyring): PublishedKeyRecord[] {
  const records: PublishedKeyRecord[] = [];
  for (const key of Object.values(keyring)) {
    if (key.published === 'absent') continue;
    const value = key.published === 'revoked' ? `v=DKIM1; k=${key.type}; p=` : publicKeyRecord(key.publicKey);
    records.push({
      domain: key.domain,
      selector: key.selector,
      value,
      // Seen by an archive across the leak's period: the keys were live when the mail was sent.
      firstSeenAt: '2016-09-01T00:00:00.000Z',
      lastSeenAt: '2017-09-30T00:00:00.000Z',
      source: KEYS_SOURCE,
    });
  }
  return records;
}
