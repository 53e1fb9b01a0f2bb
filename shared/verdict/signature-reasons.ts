import type { SignatureCheck } from '../dkim/check-signature.ts';
import type { DkimSignature } from '../dkim/signature-field.ts';
import { PROTECTED_HEADERS, SINGLE_HEADERS, type MessageContext } from '../message/message-context.ts';
import type { PartialReason, VerdictReason } from './contract.ts';
import { sameOrganization } from './organizational-domain.ts';

/** What a signature that verifies still fails to prove (the `partially-verified` reasons), in contract order. */
export function passReasons(signature: DkimSignature, check: SignatureCheck, context: MessageContext, at: Date): PartialReason[] {
  const reasons: PartialReason[] = [];
  // (A body not checked — headers only — has no length to compare: its reason is headers-only.)
  if (signature.l !== null && check.canonicalBodyLength !== null && signature.l < check.canonicalBodyLength) reasons.push('body-length-limit');
  if (check.parsedKey?.status === 'usable' && check.parsedKey.keyType === 'rsa' && check.parsedKey.bits < 1024) {
    reasons.push('weak-key');
  }
  if (signature.algorithm === 'rsa-sha1') reasons.push('sha1');
  // Each author must be vouched for: a signer aligned with none is not the author's; with only some of several,
  // it vouches for those alone (RFC 5322 §3.6.2 lets From name several mailboxes, and readers show them all).
  const aligned = context.authorDomains.filter((domain) => sameOrganization(signature.d, domain));
  if (aligned.length === 0) reasons.push('signer-not-aligned');
  if (PROTECTED_HEADERS.some((name) => context.headerCounts[name] > signature.h.filter((h) => h === name).length)) {
    reasons.push('unsigned-header');
  }
  // x= is judged against when the message arrived, not against today: an old message is not forged for being old.
  const judgedAt = context.receivedAt ?? at;
  if (signature.x !== null && signature.x * 1000 < judgedAt.getTime()) reasons.push('signature-expired');
  // Once a private key is out, anyone could have made the signature. The verification clock is the latest time
  // the message is vouched to have existed (set with --at to when a dump was obtained): only a message shown
  // to exist before the compromise keeps what the signature proves. Headers like Received are forgeable too.
  const compromisedAt = check.key?.compromisedAt;
  if (compromisedAt && new Date(compromisedAt).getTime() <= at.getTime()) reasons.push('key-compromised');
  if (aligned.length > 0 && aligned.length < context.authorDomains.length) reasons.push('multiple-authors');
  // RFC 5322 §3.6 allows one of each: with two, readers differ on which they show, even when both are signed.
  if (SINGLE_HEADERS.some((name) => context.headerCounts[name] > 1)) reasons.push('duplicate-header');
  if (context.malformedHeaderLines > 0) reasons.push('malformed-header');
  return reasons;
}

/** The reason a signature that a key was tried on, and that does not verify, gives. */
export function failureReason(status: Exclude<SignatureCheck['status'], 'pass' | 'headers-pass'>): VerdictReason {
  return status === 'permerror' ? 'signature-mismatch' : status;
}
