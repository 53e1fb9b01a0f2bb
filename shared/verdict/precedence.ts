import { REASONS, verdictOfReason, type SignatureEvidence, type Verdict, type VerdictReason } from './contract.ts';

/**
 * What one signature's evidence amounts to on its own: the verdict its reasons belong to (a signature's
 * reasons are all one verdict's), `verified` for a pass with none.
 */
export function signatureLevel(evidence: SignatureEvidence): Exclude<Verdict, 'error'> {
  const first = evidence.reasons[0];
  if (first === undefined) return evidence.status === 'pass' ? 'verified' : 'unverified';
  return verdictOfReason(first) as Exclude<Verdict, 'error'>;
}

const RANK: Record<Exclude<Verdict, 'error'>, number> = { verified: 0, 'partially-verified': 1, failed: 2, unverified: 3 };
const REASON_ORDER: readonly string[] = Object.values(REASONS).flat();

/**
 * Precedence across signatures: verified > partially-verified > failed > unverified. The reasons are every
 * reason given by the signatures at the winning level, in the contract's order.
 */
export function combine(signatures: readonly SignatureEvidence[]): { verdict: Exclude<Verdict, 'error'>; reasons: VerdictReason[] } {
  if (signatures.length === 0) return { verdict: 'unverified', reasons: ['no-signature'] };
  const verdict = signatures.map(signatureLevel).reduce((best, level) => (RANK[level] < RANK[best] ? level : best));
  const reasons = new Set<VerdictReason>();
  for (const evidence of signatures) {
    if (signatureLevel(evidence) === verdict) for (const reason of evidence.reasons) reasons.add(reason);
  }
  return { verdict, reasons: [...reasons].sort((a, b) => REASON_ORDER.indexOf(a) - REASON_ORDER.indexOf(b)) };
}
