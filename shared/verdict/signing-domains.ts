import { asciiLowerCase, trimFws } from '../dkim/ascii.ts';
import type { SignatureEvidence } from './contract.ts';

/** The distinct signing domains of a message: each signature's d=, lower-cased (ASCII), blanks dropped. */
export function signingDomains(signatures: readonly SignatureEvidence[]): string[] {
  const domains = new Set<string>();
  for (const signature of signatures) {
    const domain = signature.d === null ? '' : asciiLowerCase(trimFws(signature.d));
    if (domain) domains.add(domain);
  }
  return [...domains];
}
