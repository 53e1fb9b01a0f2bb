import { REASONS, type Reason, type SignatureEvidence, type Verdict } from './contract.ts';

/** What one signature's evidence amounts to on its own. */
export function signatureLevel(evidence: SignatureEvidence): Exclude<Verdict, 'error'> {
  switch (evidence.status) {
    case 'pass':
      return evidence.reasons.length === 0 ? 'verified' : 'partially-verified';
    case 'body-hash-mismatch':
    case 'signature-mismatch':
    case 'permerror':
      return 'failed';
    default:
      return 'unverified';
  }
}

const RANK: Record<Exclude<Verdict, 'error'>, number> = { verified: 0, 'partially-verified': 1, failed: 2, unverified: 3 };
const REASON_ORDER: readonly string[] = Object.values(REASONS).flat();

/**
 * Precedence across signatures: verified > partially-verified > failed > unverified. The reasons are every
 * reason given by the signatures at the winning level, in the contract's order.
 */
export function combine(signatures: readonly SignatureEvidence[]): { verdict: Exclude<Verdict, 'error'>; reasons: Reason[] } {
  if (signatures.length === 0) return { verdict: 'unverified', reasons: ['no-signature'] };
  const verdict = signatures.map(signatureLevel).reduce((best, level) => (RANK[level] < RANK[best] ? level : best));
  const reasons = new Set<Reason>();
  for (const evidence of signatures) {
    if (signatureLevel(evidence) === verdict) for (const reason of evidence.reasons) reasons.add(reason);
  }
  return { verdict, reasons: [...reasons].sort((a, b) => REASON_ORDER.indexOf(a) - REASON_ORDER.indexOf(b)) };
}
