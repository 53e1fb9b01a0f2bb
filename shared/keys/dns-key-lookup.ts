import { Resolver } from 'node:dns/promises';
import { keyRecordName } from '../dkim/key-record.ts';
import type { KeyLookup } from '../ports/key-resolver.ts';

/** Codes that mean "the name has no key record", as opposed to "we could not find out". */
const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export type TxtLookup = (name: string) => Promise<string[][]>;

/**
 * Live DNS with a short timeout: a dump of 70,000 messages must not wait on a dead name server. The system's
 * name servers unless others are given ("127.0.0.1:5353").
 */
export function systemTxtLookup(timeoutMs = 2500, servers?: string[]): TxtLookup {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (servers) resolver.setServers(servers);
  return (name) => resolver.resolveTxt(name);
}

/** Asks DNS for a selector's key records; only TXT strings that look like DKIM key records count. */
export async function lookupDnsKeys(lookup: TxtLookup, domain: string, selector: string): Promise<{ values: string[] } | Exclude<KeyLookup, { status: 'found' }>> {
  const name = keyRecordName(domain, selector);
  try {
    const values = (await lookup(name)).map((chunks) => chunks.join('')).filter((value) => /(^|;)\s*p\s*=/.test(value));
    return values.length > 0 ? { values } : { status: 'none', detail: `no DKIM key record at ${name}` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (NO_RECORD.has(code)) return { status: 'none', detail: `no DKIM key record at ${name} (${code})` };
    return { status: 'error', detail: `DNS lookup of ${name} failed (${code})` };
  }
}
