/**
 * Where RFC 6376 (or RFC 5322) says dkimpy is wrong, and a per-signature disagreement with it is therefore
 * expected. Each entry is narrow: it names the direction (which side passes) and the case parameters that
 * trigger dkimpy's deviation, so a disagreement for any other reason still fails the fuzz test.
 */
import type { FuzzCase } from './fuzz-cases.ts';

export interface SignatureComparison {
  fuzzCase: FuzzCase;
  /** Top-to-bottom index of the DKIM-Signature field. */
  signature: number;
  ours: boolean;
  dkimpy: boolean;
  /** dkimpy could not parse the message at all. */
  dkimpyParseError: string | null;
  /**
   * dkimpy's answer for this signature once the header section is repaired (the white space of `ws-before-colon`
   * and the lines of `junk-header-line` taken out, nothing else), or null when the case has neither mutation.
   */
  dkimpyRepaired: boolean | null;
}

export interface AllowedDisagreement {
  id: string;
  /** The section(s) that say dkimpy's answer is wrong. */
  rfc: string;
  reason: string;
  applies(comparison: SignatureComparison): boolean;
}

function mutationsOf(comparison: SignatureComparison, kind: string) {
  return comparison.fuzzCase.mutations.filter((mutation) => mutation.kind === kind);
}

export const ALLOWED_DISAGREEMENTS: readonly AllowedDisagreement[] = [
  {
    id: 'dkimpy-misreads-ws-before-colon',
    rfc: 'RFC 5322 §4.5.8 (obs-optional: field-name *WSP ":"), §4.5; RFC 6376 §3.4.2 (relaxed deletes WSP before the colon)',
    reason: 'dkimpy refuses the message over `Name :` (or, for `From :`, skips the field as an mbox "From " line); the signature holds where the field is unsigned or headers are relaxed',
    applies: (c) => mutationsOf(c, 'ws-before-colon').length > 0 && holdsOnceRepaired(c),
  },
  {
    id: 'dkimpy-rejects-a-line-that-is-no-field',
    rfc: 'RFC 6376 §3.7, §5.4 (the hash covers the fields h= selects and the body; a header line that is no field is no input)',
    reason: 'dkimpy refuses the whole message; the signature still holds, and the verdict admits the line (malformed-header, asserted apart)',
    applies: (c) => mutationsOf(c, 'junk-header-line').length > 0 && c.dkimpyParseError !== null && holdsOnceRepaired(c),
  },
  {
    id: 'dkimpy-adds-a-from-to-h',
    rfc: 'RFC 6376 §5.4.2 (h= selects instances from the bottom; a field not listed is not signed), §3.5 h=',
    reason: 'dkimpy appends "from" to every h= (its bug #644046 hardening), so an unsigned From above the signed one fails it',
    applies: (c) => {
      if (!(c.ours && !c.dkimpy && c.dkimpyParseError === null)) return false;
      const listed = c.fuzzCase.signatures[c.signature]!.headers.filter((name) => name === 'from').length;
      return mutationsOf(c, 'duplicate-above').some((mutation) => mutation.name === 'from') && listed < 2;
    },
  },
  {
    id: 'dkimpy-strips-ctl-in-relaxed-header',
    rfc: 'RFC 6376 §3.4.2 (delete WSP at the ends of the value); RFC 5234 §B.1 (WSP = SP / HTAB)',
    reason: "dkimpy's relaxed header form uses Python's bytes.strip(), which also deletes VT, FF and CR at the ends of a value",
    applies: (c) => {
      if (!(!c.ours && c.dkimpy)) return false;
      const signature = c.fuzzCase.signatures[c.signature]!;
      return signature.canon[0] === 'relaxed' && (c.fuzzCase.ctlEdgeFields ?? []).some((name) => signature.headers.includes(name));
    },
  },
  {
    id: 'dkimpy-keeps-wsp-ending-an-unterminated-body',
    rfc: 'RFC 6376 §3.4.4 a (relaxed body: ignore all WSP at the end of lines), then b (add the missing CRLF)',
    reason: 'dkimpy deletes trailing WSP only before a CRLF, so an unterminated last line keeps it: "x \\t" becomes "x \\r\\n", not "x\\r\\n" (not even a fixed point of relaxed)',
    applies: (c) => c.fuzzCase.signatures[c.signature]!.canon[1] === 'relaxed' && c.dkimpyParseError === null && /[ \t]$/.test(finalBody(c)),
  },
];

/** The body as it stands in the verified message (after the first empty line; '' without one). */
function finalBody(comparison: SignatureComparison): string {
  return comparison.fuzzCase.finalBody ?? '';
}

/**
 * Ours passes, dkimpy fails, and the repaired message passes dkimpy (or fails it for another listed reason), while
 * no WSP-before-colon touched a field this signature hashes under simple canonicalisation (that must fail).
 */
function holdsOnceRepaired(c: SignatureComparison): boolean {
  if (!(c.ours && !c.dkimpy && c.dkimpyRepaired !== null)) return false;
  const headerCanon = c.fuzzCase.signatures[c.signature]!.canon[0];
  const tolerated = mutationsOf(c, 'ws-before-colon').every((mutation) => headerCanon === 'relaxed' || !mutation.signedBy?.includes(c.signature));
  if (!tolerated) return false;
  if (c.dkimpyRepaired) return true;
  const repaired: SignatureComparison = { ...c, dkimpy: false, dkimpyParseError: null, dkimpyRepaired: null };
  return ALLOWED_DISAGREEMENTS.some((entry) => entry.applies(repaired));
}

export function allowedDisagreement(comparison: SignatureComparison): AllowedDisagreement | null {
  if (comparison.ours === comparison.dkimpy) return null;
  return ALLOWED_DISAGREEMENTS.find((entry) => entry.applies(comparison)) ?? null;
}
