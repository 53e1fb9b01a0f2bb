/**
 * What an ARC chain (RFC 8617) says of a message: each set's sealer and what its ARC-Authentication-Results
 * claimed. A third party's word, never proof: it can add a reason, never make a message verified.
 * (Placeholder: the ARC work fleshes this out, additively.)
 */
export interface ArcEvidence {
  /** The chain's validation state as Leakproof computed it (RFC 8617 §5.2). */
  chain: 'none' | 'pass' | 'fail';
  /** Why the chain failed, or null. */
  detail: string | null;
}
