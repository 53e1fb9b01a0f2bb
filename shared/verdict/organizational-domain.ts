import { getDomain } from 'tldts';
import { asciiLowerCase } from '../dkim/ascii.ts';

/**
 * The organisational domain (registrable domain under the Public Suffix List) — what DMARC's relaxed
 * alignment compares. The list's private section counts too: `uk.com`, `eu.org` and `github.io` hand out
 * names to separate owners, so `attacker.uk.com` is no more `bank.uk.com`'s organisation than `evil.com` is.
 * A name the list cannot place (a private TLD, a bare host) stands for itself.
 */
export function organizationalDomain(domain: string): string {
  let found = known.get(domain);
  if (found === undefined) {
    const name = asciiLowerCase(domain).replace(/\.$/, '');
    found = getDomain(name, { allowPrivateDomains: true }) ?? name;
    if (known.size >= MAX_KNOWN) known.clear();
    // Only names a DNS name can be: a hostile From's 16 KB "domain" is answered, never kept.
    if (domain.length <= 253) known.set(domain, found);
  }
  return found;
}

/**
 * Answers kept per thread: a dump names a few hundred domains over thousands of messages, and each message asks
 * several times (alignment, ARC claims, forensics), at ~2 µs a Public Suffix List walk.
 */
const known = new Map<string, string>();
const MAX_KNOWN = 10_000;

export function sameOrganization(a: string, b: string): boolean {
  return organizationalDomain(a) === organizationalDomain(b);
}
