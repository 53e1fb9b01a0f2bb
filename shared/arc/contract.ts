/**
 * What an ARC chain (RFC 8617) says of a message: each set's sealer and what its ARC-Authentication-Results
 * claimed. A third party's word, never proof: it can add the attestation `arc-attested` beside a failed or
 * unverified verdict, never make a message verified. Exported as-is (export, API): add, never rename.
 */
export interface ArcEvidence {
  /** The chain's validation state as Leakproof computed it (RFC 8617 §5.2). */
  chain: 'none' | 'pass' | 'fail';
  /** Why the chain failed, or null. */
  detail: string | null;
  /** Every ARC set found, oldest (i=1) first; empty when the chain's structure could not be read into sets. */
  sets: ArcSetEvidence[];
  /** The sealer whose claim earned `arc-attested`, or null (no valid chain, or no sealer vouched for the From domain). */
  attestation: ArcAttestation | null;
}

/**
 * A check of one ARC signature. `headers-pass`: an ARC-Message-Signature of an Outlook item, whose header
 * signature holds over the transport headers while the re-serialised body cannot be checked. `not-checked`: RFC
 * 8617 §5.2 validates only the newest ARC-Message-Signature (older ones break as intermediaries change the
 * message), or the chain failed before this one was reached.
 */
export type ArcResult = 'pass' | 'headers-pass' | 'fail' | 'not-checked';

/** One ARC set: ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results of one instance. */
export interface ArcSetEvidence {
  instance: number;
  /** cv= of the ARC-Seal as written (none, pass, fail), or null. */
  cv: string | null;
  /** The sealer: d= and s= of the ARC-Seal. */
  sealerDomain: string | null;
  sealerSelector: string | null;
  /** t= of the ARC-Seal (seconds since the epoch), or null. */
  sealedAt: number | null;
  seal: ArcResult;
  /** d= and s= of the ARC-Message-Signature. */
  signatureDomain: string | null;
  signatureSelector: string | null;
  messageSignature: ArcResult;
  /** The ARC-Authentication-Results' authserv-id: the host that recorded the claims. */
  authservId: string | null;
  /** What the sealer's ARC-Authentication-Results claimed, parsed minimally (see shared/arc/claims.ts). */
  claims: ArcClaim[];
  /** Why a check of this set failed, or a caveat; null otherwise. */
  detail: string | null;
}

/** One result of an ARC-Authentication-Results: "dkim=pass header.d=example.com" → { dkim, pass, example.com }. */
export interface ArcClaim {
  /** dkim, spf, dmarc, arc, … lower-cased. */
  method: string;
  result: string;
  /** dkim: header.d (else the domain of header.i); dmarc: header.from; spf: the domain of smtp.mailfrom; else null. */
  domain: string | null;
}

/** A sealer of a valid chain saying DKIM passed for the From domain's organisation: whose word `arc-attested` is. */
export interface ArcAttestation {
  instance: number;
  sealerDomain: string;
  sealerSelector: string;
  /** The domain the claim said passed DKIM (aligned with every From domain). */
  domain: string;
}
