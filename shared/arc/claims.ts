import { asciiLowerCase, trimFws } from '../dkim/ascii.ts';
import { withoutComments } from '../message/message-context.ts';
import type { ArcClaim } from './contract.ts';

/**
 * Longest ARC-Authentication-Results value read for claims. Real ones are a few hundred bytes; a longer one is
 * recorded with no claims (and so attests nothing), never parsed at length.
 */
export const MAX_CLAIMS_CHARS = 8 * 1024;
/** Most results kept of one ARC-Authentication-Results (real ones carry 3–6: dkim, spf, dmarc, arc…). */
export const MAX_CLAIMS = 32;

export interface ReadClaims {
  authservId: string | null;
  claims: ArcClaim[];
  /** Why the claims were not read, or null. */
  detail: string | null;
}

/**
 * What an ARC-Authentication-Results value (after its "i=N;") claims, read minimally (RFC 8601 §2.2): the
 * authserv-id, then each "method=result" with the properties that name a domain. Comments go first (one linear
 * pass); results are split on ";" and white space, so the cost is linear in the capped value. A quoted string
 * holding ";" is misread — claims are a sealer's word shown as evidence, and never what a verdict rests on.
 */
export function readClaims(value: string): ReadClaims {
  if (value.length > MAX_CLAIMS_CHARS) return { authservId: null, claims: [], detail: `ARC-Authentication-Results over ${MAX_CLAIMS_CHARS} characters: claims not read` };
  const parts = withoutComments(value).split(';').map(trimFws);
  // parts[0] is "i=N" (checked by the caller), parts[1] the authserv-id (with an optional version).
  const authservId = parts[1] ? (parts[1].split(/[ \t\r\n]+/)[0] ?? null) : null;
  const claims: ArcClaim[] = [];
  for (const part of parts.slice(2)) {
    if (claims.length === MAX_CLAIMS) break;
    const claim = claimOf(part);
    if (claim) claims.push(claim);
  }
  return { authservId: authservId || null, claims, detail: null };
}

function claimOf(resinfo: string): ArcClaim | null {
  const [first, ...properties] = resinfo.split(/[ \t\r\n]+/).filter((token) => token !== '');
  const eq = first?.indexOf('=') ?? -1;
  if (!first || eq <= 0) return null; // "none", or not a result
  const method = asciiLowerCase(first.slice(0, eq).split('/')[0]!);
  const result = asciiLowerCase(first.slice(eq + 1));
  const property = (name: string) => {
    const found = properties.find((token) => asciiLowerCase(token).startsWith(`${name}=`));
    return found === undefined ? null : unquoted(found.slice(name.length + 1));
  };
  const domainOf = (address: string | null) => (address === null ? null : address.slice(address.lastIndexOf('@') + 1) || null);
  const domain =
    method === 'dkim' ? (property('header.d') ?? domainOf(property('header.i')))
    : method === 'dmarc' ? property('header.from')
    : method === 'spf' ? domainOf(property('smtp.mailfrom'))
    : null;
  return { method, result, domain: domain === null ? null : asciiLowerCase(domain) };
}

function unquoted(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}
