import { checkKeys, type SignatureCheck } from '../dkim/check-signature.ts';
import { canonicalHeader } from '../dkim/canonicalize-header.ts';
import { withoutSignatureValue } from '../dkim/header-hash.ts';
import type { DkimSignature } from '../dkim/signature-field.ts';
import type { FoundKey, KeyLookup } from '../ports/key-resolver.ts';
import { sameOrganization } from '../verdict/organizational-domain.ts';
import type { ArcSet, ArcSets } from './arc-sets.ts';
import type { ArcAttestation, ArcEvidence, ArcResult, ArcSetEvidence } from './contract.ts';

/** What validating a chain needs from the verifier: the keys it looked up, and its check of a message signature. */
export interface ChainInputs {
  /** The lookup of a (domain, selector) named by arcSelectors. */
  lookup(domain: string, selector: string): KeyLookup;
  /** The verifier's own check of a DKIM-like signature over this message (the body included, or headers only). */
  checkMessageSignature(signature: DkimSignature, keys: FoundKey[]): SignatureCheck;
}

/** The selectors a chain's validation looks up: every sealer's, and the newest message signature's. */
export function arcSelectors(read: ArcSets): { d: string; s: string }[] {
  if (read.state !== 'sets') return [];
  const newest = read.sets.at(-1)!;
  return [...read.sets.map((set) => ({ d: set.seal.d, s: set.seal.s })), { d: newest.messageSignature.d, s: newest.messageSignature.s }];
}

/**
 * RFC 8617 §5.2: the newest ARC-Message-Signature must verify, then every ARC-Seal from the newest down. The
 * chain passes only when all of them hold; the first failure fails it, and what was not reached is
 * 'not-checked'. Attestation is decided separately (arcAttestation), against the From domains.
 */
export function validateArcChain(read: ArcSets, inputs: ChainInputs): Omit<ArcEvidence, 'attestation'> {
  if (read.state === 'none') return { chain: 'none', detail: null, sets: [] };
  if (read.state === 'fail') return { chain: 'fail', detail: read.detail, sets: [] };
  const sets = read.sets.map(setEvidence);
  const newest = read.sets.at(-1)!;
  const newestEvidence = sets.at(-1)!;

  const ams = checkOf(newest.messageSignature.d, newest.messageSignature.s, inputs, (keys) => inputs.checkMessageSignature(newest.messageSignature, keys));
  newestEvidence.messageSignature = ams.result;
  if (ams.result === 'fail') {
    newestEvidence.detail = `ARC-Message-Signature: ${ams.detail}`;
    return { chain: 'fail', detail: `i=${newest.instance}: the newest ARC-Message-Signature does not verify (${ams.detail})`, sets };
  }
  const canonical = canonicalSets(read.sets);
  for (let i = read.sets.length - 1; i >= 0; i--) {
    const set = read.sets[i]!;
    const seal = checkOf(set.seal.d, set.seal.s, inputs, (keys) => {
      const check = checkKeys(set.seal, keys, () => sealedData(canonical, i));
      return { status: check.status, detail: check.detail };
    });
    sets[i]!.seal = seal.result;
    if (seal.result === 'fail') {
      sets[i]!.detail = `ARC-Seal: ${seal.detail}`;
      return { chain: 'fail', detail: `i=${set.instance}: the ARC-Seal does not verify (${seal.detail})`, sets };
    }
  }
  return { chain: 'pass', detail: null, sets };
}

/**
 * The first sealer of a valid chain whose ARC-Authentication-Results claims dkim=pass for a domain of the same
 * organisation as every From domain (DMARC's relaxed alignment). A sealer's word about another domain, or a
 * chain that does not validate, attests nothing. Nor does a chain whose newest ARC-Message-Signature held over
 * the headers only (an Outlook item): RFC 8617 §5.2 validates its body hash too, and without it the sealed
 * headers could be put on any body.
 */
export function arcAttestation(evidence: Omit<ArcEvidence, 'attestation'>, authorDomains: readonly string[]): ArcAttestation | null {
  if (evidence.chain !== 'pass' || authorDomains.length === 0) return null;
  if (evidence.sets.at(-1)?.messageSignature !== 'pass') return null;
  for (const set of evidence.sets) {
    const claim = set.claims.find((c) => c.method === 'dkim' && c.result === 'pass' && c.domain !== null && authorDomains.every((author) => sameOrganization(c.domain!, author)));
    if (claim) return { instance: set.instance, sealerDomain: set.sealerDomain!, sealerSelector: set.sealerSelector!, domain: claim.domain! };
  }
  return null;
}

function setEvidence(set: ArcSet): ArcSetEvidence {
  return {
    instance: set.instance,
    cv: set.seal.cv,
    sealerDomain: set.seal.d,
    sealerSelector: set.seal.s,
    sealedAt: set.seal.t,
    seal: 'not-checked',
    signatureDomain: set.messageSignature.d,
    signatureSelector: set.messageSignature.s,
    messageSignature: 'not-checked',
    authservId: set.claims.authservId,
    claims: set.claims.claims,
    detail: set.claims.detail,
  };
}

/** One ARC signature checked with its selector's keys: a key that cannot be had fails it, naming why. */
function checkOf(d: string, s: string, inputs: ChainInputs, check: (keys: FoundKey[]) => { status: string; detail: string | null }): { result: ArcResult; detail: string } {
  const lookup = inputs.lookup(d, s);
  if (lookup.status !== 'found') return { result: 'fail', detail: lookup.status === 'none' ? `no key at ${s}._domainkey.${d}` : lookup.detail };
  const { status, detail } = check(lookup.keys);
  if (status === 'pass') return { result: 'pass', detail: '' };
  if (status === 'headers-pass') return { result: 'headers-pass', detail: '' };
  return { result: 'fail', detail: detail ?? status };
}

/** A set's fields in relaxed canonical form (RFC 8617 §5.1.1): those its seal signs, the seal, the seal with b= empty. */
interface CanonicalSet {
  signed: string;
  seal: string;
  sealWithoutValue: string;
}

function canonicalSets(sets: readonly ArcSet[]): CanonicalSet[] {
  return sets.map((set) => ({
    signed: canonicalHeader(set.results, 'relaxed') + canonicalHeader(set.messageSignature.field, 'relaxed'),
    seal: canonicalHeader(set.seal.field, 'relaxed'),
    sealWithoutValue: canonicalHeader(withoutSignatureValue(set.seal.field), 'relaxed'),
  }));
}

/**
 * What the ARC-Seal of set `upTo` signs: every set below it whole, in instance order (ARC-Authentication-Results,
 * ARC-Message-Signature, ARC-Seal), then its own set with its seal's b= empty and no final CRLF.
 */
function sealedData(canonical: readonly CanonicalSet[], upTo: number): Buffer {
  const parts = canonical.slice(0, upTo).map((set) => set.signed + set.seal);
  const own = canonical[upTo]!;
  parts.push(own.signed + own.sealWithoutValue.slice(0, -2));
  return Buffer.from(parts.join(''), 'latin1');
}
