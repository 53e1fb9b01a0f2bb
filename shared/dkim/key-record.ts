import { createPublicKey, type KeyObject } from 'node:crypto';
import { asciiLowerCase, trimFws } from './ascii.ts';
import { base64Value, parseTagList } from './tag-list.ts';

/** A DKIM public key record (RFC 6376 §3.6.1, RFC 8463), parsed once per record. */
export type KeyRecord =
  | { status: 'revoked' }
  | { status: 'invalid'; detail: string }
  | {
      status: 'usable';
      keyType: 'rsa' | 'ed25519';
      key: KeyObject;
      /** RSA modulus size; 256 for Ed25519. */
      bits: number;
      /** Hash algorithms the key allows (h=), null when any. */
      hashes: string[] | null;
      /** t=s: the i= domain must equal d= exactly. */
      strictIdentity: boolean;
      /** t=y: the domain is testing DKIM, and its signatures are to be treated as unsigned mail (RFC 6376 §3.6.1). */
      testing: boolean;
    };

// DER prefix of an Ed25519 SubjectPublicKeyInfo: the record publishes only the 32 raw key bytes.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function parseKeyRecord(record: string): KeyRecord {
  let tags;
  try {
    tags = parseTagList(record);
  } catch (error) {
    return { status: 'invalid', detail: `key record: ${(error as Error).message}` };
  }
  const version = tags.get('v');
  if (version !== undefined && version !== 'DKIM1') return { status: 'invalid', detail: `key record: v=${version}` };
  const p = tags.get('p');
  if (p === undefined) return { status: 'invalid', detail: 'key record has no p=' };
  const data = base64Value(p);
  if (data === '') return { status: 'revoked' };
  if (data === null) return { status: 'invalid', detail: 'key record: p= is not base64' };
  const services = tags.get('s')?.split(':').map(trimFws);
  if (services && !services.includes('*') && !services.includes('email')) {
    return { status: 'invalid', detail: `key record is not for email (s=${tags.get('s')})` };
  }
  const flags = (tags.get('t') ?? '').split(':').map(trimFws);
  const hashes = tags.get('h')?.split(':').map((h) => asciiLowerCase(trimFws(h))) ?? null;
  const keyType = asciiLowerCase(tags.get('k') ?? 'rsa');
  const der = Buffer.from(data, 'base64');
  const common = { hashes, strictIdentity: flags.includes('s'), testing: flags.includes('y') };
  if (keyType === 'ed25519') {
    if (der.length !== 32) return { status: 'invalid', detail: `ed25519 key of ${der.length} bytes, expected 32` };
    const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, der]), format: 'der', type: 'spki' });
    return { status: 'usable', keyType, key, bits: 256, ...common };
  }
  if (keyType !== 'rsa') return { status: 'invalid', detail: `unsupported key type k=${keyType}` };
  const key = rsaKey(der);
  if (!key) return { status: 'invalid', detail: 'key record: p= is not an RSA public key' };
  return { status: 'usable', keyType, key, bits: key.asymmetricKeyDetails?.modulusLength ?? 0, ...common };
}

/** Records normally hold a SubjectPublicKeyInfo; some publish a bare PKCS#1 RSAPublicKey, which verifiers accept. */
function rsaKey(der: Buffer): KeyObject | null {
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const key = createPublicKey({ key: der, format: 'der', type });
      if (key.asymmetricKeyType === 'rsa') return key;
    } catch {
      // try the next encoding
    }
  }
  return null;
}

/** The DNS name a selector's key records live at: "<selector>._domainkey.<domain>". */
export function keyRecordName(domain: string, selector: string): string {
  return `${selector}._domainkey.${domain}`;
}
