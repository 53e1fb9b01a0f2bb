/**
 * The verdict contract. Exported as-is (export, API): other tools parse it, so names and values here are
 * a public interface — add, never rename.
 */

export const VERDICTS = ['verified', 'partially-verified', 'failed', 'unverified', 'error'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const REASONS = {
  'partially-verified': [
    'body-length-limit',
    'weak-key',
    'sha1',
    'signer-not-aligned',
    'unsigned-header',
    'signature-expired',
    'key-compromised',
    'multiple-authors',
    'duplicate-header',
    'malformed-header',
    'headers-only',
  ],
  failed: ['body-hash-mismatch', 'signature-mismatch'],
  unverified: ['no-signature', 'key-unavailable', 'key-revoked', 'dns-error', 'key-testing', 'malformed-signature', 'over-limit', 'no-transport-headers', 'headers-reencoded'],
  error: ['parse-error'],
  /**
   * Not a verdict's: a third party's word recorded beside the verdict, which it never changes. `arc-attested`: a
   * valid ARC chain's sealer says DKIM passed for the From domain when it saw the message (see shared/arc).
   * Listed here so stores count it and listings filter on it like any reason; `verdictOfReason` has no answer
   * for it (see isAttestation).
   */
  attestation: ['arc-attested'],
} as const;
export type PartialReason = (typeof REASONS)['partially-verified'][number];
export type FailReason = (typeof REASONS)['failed'][number];
export type UnverifiedReason = (typeof REASONS)['unverified'][number];
export type AttestationReason = (typeof REASONS)['attestation'][number];
/** A reason that belongs to a verdict: what a signature's evidence and the precedence deal in. */
export type VerdictReason = PartialReason | FailReason | UnverifiedReason | 'parse-error';
export type Reason = VerdictReason | AttestationReason;

/** An attestation: recorded beside the verdict, never a verdict's reason. */
export function isAttestation(reason: Reason): reason is AttestationReason {
  return (REASONS.attestation as readonly string[]).includes(reason);
}

/** The verdict a verdict reason belongs to: every such reason is exactly one verdict's (attestations are none's). */
export function verdictOfReason(reason: VerdictReason): Verdict {
  const found = Object.entries(REASONS).find(([key, reasons]) => key !== 'attestation' && (reasons as readonly string[]).includes(reason));
  if (!found) throw new Error(`unknown verdict reason ${reason}`);
  return found[0] as Verdict;
}

/** Where the public key that checked a signature came from. */
export interface KeyEvidence {
  source: 'archive' | 'dns';
  /** The TXT record as published. */
  record: string;
  keyType: 'rsa' | 'ed25519' | null;
  bits: number | null;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  /** Who vouched for the record (an archive name, "dns", a file imported with `keys import`). */
  origin: string | null;
  /** When the private key became known to others (published, factorable), as the archive said at verification. */
  compromisedAt: string | null;
  /** t=y: the domain published the key for testing DKIM; its signatures prove nothing (RFC 6376 §3.6.1). */
  testing: boolean;
}

/** The tags of a DKIM-Signature as written, before any validation. */
export interface SignatureTags {
  d: string | null;
  s: string | null;
  a: string | null;
  c: string | null;
  /** Header field names the signature covers (h=), in order, lower-cased. */
  h: string[];
  l: number | null;
  t: number | null;
  x: number | null;
}

/** What one DKIM-Signature proved, each tag as it stood in the signature. */
export interface SignatureEvidence extends SignatureTags {
  index: number;
  /** pass: body hash and header signature both hold. */
  status: SignatureStatus;
  bodyHash: 'pass' | 'fail' | 'not-checked';
  headerSignature: 'pass' | 'fail' | 'not-checked';
  /** Canonical body length, so a reader sees how much l= left unsigned. */
  bodyLength: number | null;
  key: KeyEvidence | null;
  /** mbox only: which `>From ` reading of the body verified (see shared/dump/mbox-quoting.ts). */
  mboxReading: string | null;
  /** This signature's own contribution to the verdict (never an attestation). */
  reasons: VerdictReason[];
  detail: string | null;
}

export type SignatureStatus =
  | 'pass'
  /**
   * Outlook items (headers only): the header signature holds over the original transport headers; the body,
   * which Outlook re-serialised, was not checked (bodyHash 'not-checked'). Never `verified`: reason headers-only.
   */
  | 'headers-pass'
  | 'body-hash-mismatch'
  | 'signature-mismatch'
  | 'permerror'
  | 'key-unavailable'
  | 'key-revoked'
  | 'dns-error'
  /** Over a cost cap (too many signatures, too long an h=): not checked, see the detail. */
  | 'not-checked';

export interface MessageVerdict {
  verdict: Verdict;
  reasons: Reason[];
  signatures: SignatureEvidence[];
  /** One line for `error` verdicts, or a caveat worth reading. */
  detail: string | null;
  /** The clock the verdict was computed against (ISO 8601): an input, never read inside the verifier. */
  verifiedAt: string;
  /** Receipt time used for x= (first Received, else Date), ISO 8601. */
  receivedAt: string | null;
  /** The version of Leakproof's verification rules that computed it (RULES_VERSION). */
  rulesVersion: number;
}

/**
 * The version of the verification rules. Bump it when a change to the verifier can change a verdict: every
 * stored verdict computed by an older version is then re-verified by the next re-verification run.
 *
 * 2: obsolete `name WSP* :` fields, relaxed canonicalisation by SP/HTAB only, private public suffixes,
 *    several authors, duplicate and malformed header lines, key-testing, malformed signatures unverified, caps.
 * 3: Outlook items judged on their transport headers alone (headers-only, no-transport-headers, headers-reencoded); ARC chains
 *    validated, and a sealer's dkim=pass for the From domain recorded as the attestation arc-attested.
 */
export const RULES_VERSION = 3;

/** Why a re-verification replaced a verdict. */
export const CHANGE_CAUSES = ['new-key', 'key-changed', 'key-compromised', 'rules-change'] as const;
export type ChangeCause = (typeof CHANGE_CAUSES)[number];

/** A verdict a re-verification replaced: kept, with when and why, so the record's history can be cited. */
export interface VerdictChange {
  verdict: Verdict;
  reasons: Reason[];
  rulesVersion: number;
  verifiedAt: string;
  /** When the re-verification replaced it (the wall clock of the run). */
  replacedAt: string;
  cause: ChangeCause;
}
