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
  ],
  failed: ['body-hash-mismatch', 'signature-mismatch'],
  unverified: ['no-signature', 'key-unavailable', 'key-revoked', 'dns-error', 'key-testing', 'malformed-signature', 'over-limit'],
  error: ['parse-error'],
} as const;
export type PartialReason = (typeof REASONS)['partially-verified'][number];
export type FailReason = (typeof REASONS)['failed'][number];
export type UnverifiedReason = (typeof REASONS)['unverified'][number];
export type Reason = PartialReason | FailReason | UnverifiedReason | 'parse-error';

/** The verdict a reason belongs to: every reason is one verdict's. */
export function verdictOfReason(reason: Reason): Verdict {
  const found = Object.entries(REASONS).find(([, reasons]) => (reasons as readonly string[]).includes(reason));
  if (!found) throw new Error(`unknown reason ${reason}`);
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
  /** This signature's own contribution to the verdict. */
  reasons: Reason[];
  detail: string | null;
}

export type SignatureStatus =
  | 'pass'
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
 */
export const RULES_VERSION = 2;

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
