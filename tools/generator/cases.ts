import type { Reason, Verdict } from '../../shared/verdict/contract.ts';

/**
 * The planned outcomes. Each generated message is built to land on exactly one of these, so expected.json can
 * say in advance what a correct verifier must answer. The verdicts follow shared/verdict/contract.ts:
 * `verified` needs an aligned d=, every From/Subject/Date/To/Cc instance signed, no short l=, RSA ≥ 1024 or
 * Ed25519, and SHA-256.
 */
export type CaseId =
  | 'verified-rsa'
  | 'verified-ed25519'
  | 'verified-simple'
  | 'body-altered'
  | 'subject-altered'
  | 'from-altered'
  | 'body-length-limit'
  | 'weak-key'
  | 'sha1'
  | 'signer-not-aligned'
  | 'unsigned-header'
  | 'signature-expired'
  | 'key-unavailable'
  | 'key-revoked'
  | 'no-signature'
  | 'second-signature-broken'
  | 'from-lines-in-body';

/** The kinds of message the generator writes; a case picks the ones it fits. */
export type TemplateId = 'memo' | 'list-digest' | 'press' | 'personal' | 'newsletter';

export interface CaseSpec {
  id: CaseId;
  verdict: Verdict;
  reasons: Reason[];
  /** One line for expected.json readers: what was done to the message. */
  description: string;
  templates: readonly TemplateId[];
  /** Text appended after signing must be visible, so the l= case is a single text/plain part. */
  singlePart?: boolean;
  /** The body carries a figure that tampering changes. */
  needsFigure?: boolean;
  /** The body carries lines starting "From ". */
  fromLines?: boolean;
}

const ANY: readonly TemplateId[] = ['memo', 'memo', 'personal', 'press', 'list-digest', 'newsletter'];

export const CASES: Record<CaseId, CaseSpec> = {
  'verified-rsa': {
    id: 'verified-rsa',
    verdict: 'verified',
    reasons: [],
    description: 'rsa-sha256, relaxed/relaxed, 2048-bit key of the From domain',
    templates: ANY,
  },
  'verified-ed25519': {
    id: 'verified-ed25519',
    verdict: 'verified',
    reasons: [],
    description: 'ed25519-sha256 signature of the From domain',
    templates: ['memo'],
  },
  'verified-simple': {
    id: 'verified-simple',
    verdict: 'verified',
    reasons: [],
    description: 'rsa-sha256 with simple/simple canonicalization',
    templates: ['press', 'personal'],
  },
  'body-altered': {
    id: 'body-altered',
    verdict: 'failed',
    reasons: ['body-hash-mismatch'],
    description: 'a figure in the body changed after signing',
    templates: ['memo', 'press', 'personal'],
    needsFigure: true,
  },
  'subject-altered': {
    id: 'subject-altered',
    verdict: 'failed',
    reasons: ['signature-mismatch'],
    description: 'the signed Subject rewritten after signing',
    templates: ['memo', 'press'],
  },
  'from-altered': {
    id: 'from-altered',
    verdict: 'failed',
    reasons: ['signature-mismatch'],
    description: 'the signed From replaced by another sender of the same domain',
    templates: ['memo', 'personal'],
  },
  'body-length-limit': {
    id: 'body-length-limit',
    verdict: 'partially-verified',
    reasons: ['body-length-limit'],
    description: 'signed with l=, then a paragraph appended to the body',
    templates: ['press', 'personal'],
    singlePart: true,
  },
  'weak-key': {
    id: 'weak-key',
    verdict: 'partially-verified',
    reasons: ['weak-key'],
    description: 'signed with a 512-bit RSA key',
    templates: ['press'],
  },
  sha1: {
    id: 'sha1',
    verdict: 'partially-verified',
    reasons: ['sha1'],
    description: 'signed with rsa-sha1',
    templates: ['list-digest'],
  },
  'signer-not-aligned': {
    id: 'signer-not-aligned',
    verdict: 'partially-verified',
    reasons: ['signer-not-aligned'],
    description: 'signed only by the sending ESP (d= of another organisation than From)',
    templates: ['newsletter'],
  },
  'unsigned-header': {
    id: 'unsigned-header',
    verdict: 'partially-verified',
    reasons: ['unsigned-header', 'duplicate-header'],
    description: 'a second Subject added above the signed one',
    templates: ['memo'],
  },
  'signature-expired': {
    id: 'signature-expired',
    verdict: 'partially-verified',
    reasons: ['signature-expired'],
    description: 'x= earlier than the receipt time (delivery was deferred)',
    templates: ['memo', 'list-digest'],
  },
  'key-unavailable': {
    id: 'key-unavailable',
    verdict: 'unverified',
    reasons: ['key-unavailable'],
    description: 'the selector is missing from keys.jsonl',
    templates: ['list-digest'],
  },
  'key-revoked': {
    id: 'key-revoked',
    verdict: 'unverified',
    reasons: ['key-revoked'],
    description: 'the selector published an empty p= (revoked)',
    templates: ['memo'],
  },
  'no-signature': {
    id: 'no-signature',
    verdict: 'unverified',
    reasons: ['no-signature'],
    description: 'internal mail, never signed',
    templates: ['memo'],
  },
  'second-signature-broken': {
    id: 'second-signature-broken',
    verdict: 'verified',
    reasons: [],
    description: 'the ESP signature broken by a later List-Unsubscribe rewrite; the author domain signature holds',
    templates: ['newsletter'],
  },
  'from-lines-in-body': {
    id: 'from-lines-in-body',
    verdict: 'verified',
    reasons: [],
    description: 'body lines starting "From " (quoted ">From " in an mbox)',
    templates: ['list-digest'],
    fromLines: true,
  },
};

/** The cases other than plain `verified-rsa`, in the order they cycle: the most telling first. */
export const SPECIAL_CASES: readonly CaseId[] = [
  'body-altered',
  'subject-altered',
  'from-altered',
  'body-length-limit',
  'weak-key',
  'sha1',
  'signer-not-aligned',
  'unsigned-header',
  'signature-expired',
  'key-unavailable',
  'key-revoked',
  'no-signature',
  'second-signature-broken',
  'from-lines-in-body',
  'verified-ed25519',
  'verified-simple',
];

/** The most messages between two special cases: keeps a large dump mostly plain `verified`, with forgeries mixed in. */
const MAX_STRIDE = 10;

/** How often a special case comes up, so that every case appears even in a small dump. */
export function caseStride(expectedMessages: number): number {
  return Math.max(1, Math.min(MAX_STRIDE, Math.floor(expectedMessages / SPECIAL_CASES.length)));
}

/** The case of message `index`: every `stride`-th message is the next special case, the rest plain verified. */
export function caseAt(index: number, stride: number): CaseId {
  if (index % stride !== stride - 1) return 'verified-rsa';
  return SPECIAL_CASES[Math.floor(index / stride) % SPECIAL_CASES.length]!;
}
