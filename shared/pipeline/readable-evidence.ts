/**
 * The evidence of an exported message in words a spreadsheet reader can use without the JSON cells: the verdict
 * explained, the signature that decided it (signer, selector, key size and where the key came from), and what it
 * leaves unsigned. Derived from the record alone; the JSON columns keep everything for machines.
 */
import { PROTECTED_HEADERS } from '../message/message-context.ts';
import type { ExportRecord } from '../ports/verdict-store.ts';
import type { SignatureEvidence } from '../verdict/contract.ts';
import { messageExplanation } from '../verdict/plain-language.ts';

export interface ReadableEvidence {
  explanation: string;
  /** d= of the deciding signature (the first that verifies, else the first checked with a key, else the first). */
  signer: string | null;
  selector: string | null;
  keyBits: number | null;
  /** "archive (origin), seen 2016-09-01 to 2017-09-30", "DNS, seen …", with "compromised …" or "testing" when so. */
  keySource: string | null;
  /** What the deciding signature leaves unsigned, in words; null when it signs all that is judged. */
  unsigned: string | null;
}

export function readableEvidence(record: ExportRecord): ReadableEvidence {
  const explanation = messageExplanation(record.verdict, record.reasons, record.signatures);
  const deciding = decidingSignature(record.signatures);
  if (!deciding) return { explanation, signer: null, selector: null, keyBits: null, keySource: null, unsigned: null };
  return { explanation, signer: deciding.d, selector: deciding.s, keyBits: deciding.key?.bits ?? null, keySource: keySourceOf(deciding), unsigned: unsignedOf(deciding, record) };
}

function decidingSignature(signatures: readonly SignatureEvidence[]): SignatureEvidence | undefined {
  return (
    signatures.find((signature) => signature.status === 'pass' || signature.status === 'headers-pass') ??
    signatures.find((signature) => signature.key !== null) ??
    signatures[0]
  );
}

function keySourceOf(signature: SignatureEvidence): string | null {
  const key = signature.key;
  if (!key) return null;
  const day = (time: string | null) => time?.slice(0, 10) ?? '?';
  const seen = key.firstSeenAt || key.lastSeenAt ? `, seen ${day(key.firstSeenAt)} to ${day(key.lastSeenAt)}` : '';
  const where = key.source === 'dns' ? 'DNS' : `archive${key.origin ? ` (${key.origin})` : ''}`;
  return `${where}${seen}${key.compromisedAt ? `, compromised ${day(key.compromisedAt)}` : ''}${key.testing ? ', testing key' : ''}`;
}

/** Only for a signature whose header signature verified: a failed one's h= and l= are claims, not coverage. */
function unsignedOf(signature: SignatureEvidence, record: ExportRecord): string | null {
  if (signature.headerSignature !== 'pass') return null;
  const parts: string[] = [];
  if (signature.status === 'headers-pass') parts.push('the body (not checked: an Outlook item)');
  else if (signature.l !== null && signature.bodyLength !== null && signature.l < signature.bodyLength) parts.push(`body after byte ${signature.l} of ${signature.bodyLength}`);
  if (record.reasons.includes('unsigned-header')) {
    const absent = PROTECTED_HEADERS.filter((name) => !signature.h.includes(name));
    parts.push(absent.length > 0 ? `headers not in h=: ${absent.join(', ')} (or an extra instance of a signed one)` : 'an extra instance of a signed From, Subject, Date, To or Cc');
  }
  return parts.length > 0 ? parts.join('; ') : null;
}
