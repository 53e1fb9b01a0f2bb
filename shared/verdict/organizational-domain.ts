import { getDomain } from 'tldts';

/**
 * The organisational domain (registrable domain under the Public Suffix List) — what DMARC's relaxed
 * alignment compares. A name the list cannot place (a private TLD, a bare host) stands for itself.
 */
export function organizationalDomain(domain: string): string {
  const name = domain.toLowerCase().replace(/\.$/, '');
  return getDomain(name, { allowPrivateDomains: false }) ?? name;
}

export function sameOrganization(a: string, b: string): boolean {
  return organizationalDomain(a) === organizationalDomain(b);
}
