/**
 * The verdicts, reasons, the attestation and the provenances in plain words, for a reporter rather than a
 * cryptographer: one sentence each, the same wherever they are read (the page through the API, `leakproof show`
 * and `summary`, the CSV's explanation column, the evidence sheet). Keyed by the contract's names, so a verdict
 * or reason added there without words here is a type error.
 */
import type { Provenance } from '../documents/contract.ts';
import type { UnsignedShownField } from '../ports/verdict-store.ts';
import type { Reason, SignatureEvidence, Verdict } from './contract.ts';

export const VERDICT_EXPLANATIONS: Record<Verdict, string> = {
  verified: 'Proven: the sender’s domain signed this message, and it has not changed since it was sent.',
  'partially-verified': 'Genuinely signed, but the signature proves less than the whole message: read the reasons for what is not proven.',
  failed: 'Changed after it was sent: the signature no longer matches the message.',
  unverified: 'Not proven either way: the signature could not be checked, or there is none.',
  error: 'This file could not be read as an e-mail.',
};

export const REASON_EXPLANATIONS: Record<Reason, string> = {
  'body-length-limit': 'Only the first part of the body is signed: text below it may have been added after sending.',
  'weak-key': 'Signed with a key so short that others could have forged the signature.',
  sha1: 'Signed with an outdated method (SHA-1) that no longer rules out forgery.',
  'signer-not-aligned': 'Signed by another domain than the sender’s: it vouches for whoever passed the message on, not for the author.',
  'unsigned-header': 'A From, Subject, Date, To or Cc line is not signed: it may have been added or changed, and mail clients show it.',
  'signature-expired': 'The signature had expired when the message arrived; this alone does not suggest tampering.',
  'key-compromised': 'The signing key had leaked by then: anyone holding it could have made this signature.',
  'multiple-authors': 'The From line names several senders, and the signature vouches for only some of them.',
  'duplicate-header': 'A From, Subject, Date, To or Cc line appears twice: mail clients differ on which one they show.',
  'malformed-header': 'A header line is garbled: mail clients differ on what it says.',
  'headers-only': 'An Outlook item: the sender, subject and date are genuine, but Outlook rebuilt the body, so the body cannot be checked.',
  'body-hash-mismatch': 'The headers are genuine, but the body was changed after it was sent.',
  'signature-mismatch': 'A signed header line was changed, or the key found is not the one that signed.',
  'no-signature': 'The message is not signed: nothing can be proven either way.',
  'key-unavailable': 'The sender’s signing key could not be found, so the signature cannot be checked (importing the key may settle it).',
  'key-revoked': 'The sender withdrew the signing key, so the signature cannot be checked.',
  'dns-error': 'Looking up the signing key failed; checking again later may settle it.',
  'key-testing': 'The sender’s key was marked as a test key: its signatures prove nothing.',
  'malformed-signature': 'The signature is garbled, so it proves nothing either way; this is no sign of tampering.',
  'over-limit': 'Too many signatures or signed fields to check safely: not checked.',
  'no-transport-headers': 'An Outlook item that never travelled by mail (a draft or a sent item): there is nothing to check.',
  'headers-reencoded': 'An Outlook item whose headers Outlook may have rewritten: a failing signature here proves no tampering.',
  'parse-error': 'The file could not be read as an e-mail.',
  'arc-attested': 'A mail server that handled the message says its signature was valid then: a third party’s word, not proof.',
};

export const PROVENANCE_EXPLANATIONS: Record<Provenance, string> = {
  proven: 'The same file, byte for byte, is attached to a proven message and covered by its signature: it is the file that was sent.',
  'partially-proven': 'The same file was found only in messages whose signature proves less, or in a part the signature does not cover.',
  'altered-copy': 'A proven message carries a file of the same name or identity with other contents: this is a changed copy.',
  unproven: 'No signed mail carries this file or one like it: nothing proves it, nor shows it changed.',
};

/** signature-mismatch when a signature's body hash still holds: the body is intact, a signed header is not. */
export const BODY_INTACT_HEADER_CHANGED = 'The body is intact; a signed header line was changed, or the key found is not the one that signed.';

/** Every sentence at once: what GET /explanations answers. */
export function explanations(): { verdicts: Record<Verdict, string>; reasons: Record<Reason, string>; provenances: Record<Provenance, string> } {
  return { verdicts: VERDICT_EXPLANATIONS, reasons: REASON_EXPLANATIONS, provenances: PROVENANCE_EXPLANATIONS };
}

/** The sentence for one reason of a message: signature-mismatch says whether the body held. */
export function reasonExplanation(reason: Reason, signatures: readonly Pick<SignatureEvidence, 'status' | 'bodyHash'>[] = []): string {
  if (reason === 'signature-mismatch' && signatures.some((signature) => signature.status === 'signature-mismatch' && signature.bodyHash === 'pass')) return BODY_INTACT_HEADER_CHANGED;
  return REASON_EXPLANATIONS[reason];
}

/**
 * A message's verdict in plain words: the verdict's sentence, then each reason's (a failed message's reasons
 * say how it changed, so they replace the generic verdict sentence).
 */
export function messageExplanation(verdict: Verdict, reasons: readonly Reason[], signatures: readonly Pick<SignatureEvidence, 'status' | 'bodyHash'>[] = []): string {
  const reasonTexts = [...new Set(reasons.map((reason) => reasonExplanation(reason, signatures)))];
  if (verdict === 'failed' && reasonTexts.length > 0) return ['Changed after it was sent.', ...reasonTexts].join(' ');
  if (verdict === 'error' || reasonTexts.length === 0) return VERDICT_EXPLANATIONS[verdict];
  return [VERDICT_EXPLANATIONS[verdict], ...reasonTexts].join(' ');
}

/** A shown field by the name people know it by (a listing's unsignedShown). */
export const SHOWN_FIELD_NAMES: Record<UnsignedShownField, string> = { from: 'From', subject: 'Subject', date: 'Date', to: 'To', cc: 'Cc' };

/** The mark beside a shown value no verifying signature covers (the page's badge, `show`, `summary`). */
export const NOT_SIGNED_MARK = 'not signed';

/** The shown fields whose value is not signed, in words: "Subject, From" (the CSV's unsignedShown cell); null when none or not known. */
export function unsignedShownText(fields: readonly UnsignedShownField[] | null): string | null {
  return fields === null || fields.length === 0 ? null : fields.map((field) => SHOWN_FIELD_NAMES[field]).join(', ');
}

/** The sentence for it: "The Subject shown is not signed: …". */
export function unsignedShownSentence(fields: readonly UnsignedShownField[]): string {
  const names = fields.map((field) => SHOWN_FIELD_NAMES[field]);
  const list = names.length === 1 ? `The ${names[0]}` : `The ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${list} shown ${names.length === 1 ? 'is' : 'are'} not signed: mail clients show ${names.length === 1 ? 'it' : 'them'}, and ${names.length === 1 ? 'it' : 'they'} may have been added after sending.`;
}
