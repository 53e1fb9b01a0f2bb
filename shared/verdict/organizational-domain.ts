import { getDomain } from 'tldts';
import { asciiLowerCase } from '../dkim/ascii.ts';

/**
 * The organisational domain (registrable domain under the Public Suffix List) — what DMARC's relaxed
 * alignment compares. The list's private section counts too: `uk.com`, `eu.org` and `github.io` hand out
 * names to separate owners, so `attacker.uk.com` is no more `bank.uk.com`'s organisation than `evil.com` is.
 * A name the list cannot place (a private TLD, a bare host) stands for itself.
 */
export function organizationalDomain(domain: string): string {
  const name = asciiLowerCase(domain).replace(/\.$/, '');
  return getDomain(name, { allowPrivateDomains: true }) ?? name;
}

export function sameOrganization(a: string, b: string): boolean {
  return organizationalDomain(a) === organizationalDomain(b);
}
