/**
 * `leakproof show` in the terminal: the verdict in plain words, the header fields with what each signature covers,
 * the unsigned fields that matter, the l= tail, the signatures and their keys, attachments with coverage, copies.
 * Every value from the message is hostile text: control characters (an ANSI escape can rewrite a terminal line)
 * are shown as "?" before anything is printed.
 */
import type { VariantEvidence } from '../shared/documents/contract.ts';
import { locatorKey } from '../shared/dump/entry.ts';
import type { MessageView } from '../shared/message/message-view.ts';
import type { MessageRecord, UnsignedShownField } from '../shared/ports/verdict-store.ts';
import type { SignatureEvidence } from '../shared/verdict/contract.ts';
import { messageExplanation, NOT_SIGNED_MARK } from '../shared/verdict/plain-language.ts';

/** Lines of the decoded text shown (all of it is in --json and in the original). */
export const SHOWN_TEXT_LINES = 40;
const CUT = 200;

export interface ShownMessage {
  dumpId: string;
  record: MessageRecord;
  /** Null when the original could not be read as verified: `unreadable` says why. */
  view: MessageView | null;
  unreadable: string | null;
  variants: VariantEvidence[];
}

/** "  [not signed]" after a value shown whose field the record lists as not signed (unsignedShown), else nothing. */
export function notSignedMark(record: { unsignedShown?: readonly UnsignedShownField[] | null }, field: UnsignedShownField): string {
  return record.unsignedShown?.includes(field) ? `  [${NOT_SIGNED_MARK}]` : '';
}

export function showText({ dumpId, record, view, unreadable, variants }: ShownMessage): string {
  const lines: string[] = [];
  const add = (...more: string[]) => lines.push(...more);
  add(`Message    ${safe(locatorKey(record.locator))}  (dump ${dumpId.slice(0, 12)})`);
  add(`Verdict    ${record.verdict.toUpperCase()}${record.reasons.length > 0 ? ` (${record.reasons.join(', ')})` : ''}`);
  add(...wrap(messageExplanation(record.verdict, record.reasons, record.signatures), '           '));
  add(`SHA-256    ${record.sha256}${view ? `  (${view.bytes} bytes)` : ''}`);
  add(`Verified   ${record.verifiedAt}  rules version ${record.rulesVersion}`);
  if (unreadable) add('', `The original could not be read as verified: ${unreadable}. Showing the stored evidence only.`);

  if (view) {
    // The values shown are the ones mail clients show (the top-most); one no verifying signature covers is marked.
    add('', `From       ${safe(record.from ?? '-')}${notSignedMark(record, 'from')}`, `To         ${safe(view.to ?? '-')}${notSignedMark(record, 'to')}`);
    if (view.cc) add(`Cc         ${safe(view.cc)}${notSignedMark(record, 'cc')}`);
    add(`Subject    ${safe(record.subject ?? '-')}${notSignedMark(record, 'subject')}`);
    const marked = new Set<string>(record.unsignedShown ?? []);
    for (const field of view.unsignedThatMatter.filter((unsigned) => unsigned.note.endsWith('mail clients show it') && !marked.has(unsigned.name.toLowerCase()))) {
      add(`  NOT SIGNED, and mail clients show it instead: ${safe(field.name)}: ${cut(field.value)}`);
    }
    if (view.date) add(`Date       ${safe(view.date.asWritten)}${view.date.utc ? `  (${view.date.utc.replace('T', ' ').replace(/\.000Z$/, ' UTC')})` : ''}`);
    add('', 'Header fields, top to bottom ("signed [n]": covered by signature n; "NOT SIGNED": no verifying signature covers it)');
    if (view.caveat) add(`  ${view.caveat}`);
    else if (view.note) add(`  ${view.note}`);
    for (const field of view.fields) {
      const mark = field.signedBy.length > 0 ? `signed ${field.signedBy.map((index) => `[${index}]`).join('')}` : field.matters && !view.note && !view.caveat ? 'NOT SIGNED' : '';
      add(`  ${mark.padEnd(12)} ${safe(field.name)}: ${cut(field.value)}`);
    }
    if (view.fieldsTruncated) add('  … (more fields: see --json or the original)');
    if (view.unsignedThatMatter.length > 0) {
      add('', 'Not signed, and readers see them:');
      for (const field of view.unsignedThatMatter) add(`  ${safe(field.name)}: ${cut(field.value)}`, `    ${field.note}`);
    }
    for (const tail of view.lTails) {
      add('', `Unsigned tail: signature [${tail.signature}] signs the first ${tail.signedBytes} of ${tail.totalBytes} body bytes; the last ${tail.tailLength} are not signed and may have been added:`);
      if (tail.tail === null) add(`  (${tail.note ?? 'not located'})`);
      else add(...tail.tail.split(/\r?\n/).slice(0, SHOWN_TEXT_LINES).map((line) => `  | ${safe(line)}`));
      if (tail.tail !== null && tail.note) add(`  (${tail.note})`);
    }
  }

  add('', 'Signatures');
  if (record.signatures.length === 0) add('  none');
  for (const signature of record.signatures) add(...signatureLines(signature, view));

  add('', 'Attachments');
  if (record.attachments.length === 0) add('  none');
  for (const file of record.attachments) {
    const coverage = file.coveredBy.length > 0 ? `covered by ${file.coveredBy.map((index) => `[${index}]`).join('')}` : 'NOT covered by a verifying signature';
    add(`  ${file.mimePath}  ${safe(file.name ?? '(no name)')}  ${safe(file.detectedType ?? file.declaredType ?? 'unknown type')}  ${file.size} bytes  ${coverage}`, `      SHA-256 ${file.sha256}`);
  }
  if (record.attachmentsNote) add(`  (${safe(record.attachmentsNote)})`);

  if (variants.length > 0) {
    add('', 'Copies of this message in the store');
    for (const variant of variants) {
      add(`  ${variant.relation === 'duplicate' ? 'identical to' : 'differs from'} the verified copy ${safe(variant.of.locator)} (dump ${variant.of.dumpId.slice(0, 12)})`);
      for (const difference of variant.headerDifferences) add(`    ${difference.field}: ${cut(difference.document ?? '-')}  (verified: ${cut(difference.carrier ?? '-')})`);
      if (variant.textDiff) add(...variant.textDiff.split('\n').slice(0, SHOWN_TEXT_LINES).map((line) => `    ${safe(line)}`));
      else if (variant.textDiffNote) add(`    (${safe(variant.textDiffNote)})`);
      for (const file of variant.attachments.changed) add(`    attachment changed: ${safe(file.name ?? '(no name)')}`);
      for (const file of variant.attachments.added) add(`    attachment added: ${safe(file.name ?? '(no name)')}`);
      for (const file of variant.attachments.removed) add(`    attachment missing: ${safe(file.name ?? '(no name)')}`);
    }
  }

  if (view) {
    const text = view.text.split(/\r?\n/);
    add('', `Text${text.length > SHOWN_TEXT_LINES || view.textTruncated ? ` (first ${SHOWN_TEXT_LINES} lines)` : ''}`);
    add(...text.slice(0, SHOWN_TEXT_LINES).map((line) => `  ${safe(line)}`));
  }
  return lines.join('\n');
}

function signatureLines(signature: SignatureEvidence, view: MessageView | null): string[] {
  const key = signature.key;
  const keyText = key
    ? `key ${key.keyType ?? '?'} ${key.bits ?? '?'} bits from ${key.source === 'dns' ? 'DNS' : 'the archive'}${key.origin ? ` (${safe(key.origin)})` : ''}, first seen ${key.firstSeenAt ?? 'unknown'}, last seen ${key.lastSeenAt ?? 'unknown'}${key.compromisedAt ? `, COMPROMISED since ${key.compromisedAt}` : ''}${key.testing ? ', TESTING (proves nothing)' : ''}`
    : 'no key used';
  const lines = [
    `  [${signature.index}] d=${safe(signature.d ?? '?')} s=${safe(signature.s ?? '?')} ${safe(signature.a ?? '')} c=${safe(signature.c ?? 'simple/simple')}${signature.l !== null ? ` l=${signature.l}` : ''}: ${signature.status}`,
    `      body hash ${signature.bodyHash}, header signature ${signature.headerSignature}; ${keyText}`,
    `      signs ${signature.h.length > 0 ? safe(signature.h.join(', ')) : '-'}`,
  ];
  const marks = view?.signatures.find((candidate) => candidate.index === signature.index);
  if (marks && marks.signedAbsent.length > 0) lines.push(`      signs the absence of ${safe(marks.signedAbsent.join(', '))} (adding one breaks it)`);
  if (signature.mboxReading) lines.push(`      verified on the mbox reading ${safe(signature.mboxReading)}`);
  if (signature.detail) lines.push(`      ${safe(signature.detail)}`);
  return lines;
}

/** Hostile text made safe for a terminal: every C0/C1 control and DEL but the tab becomes "?". */
export function safe(text: string): string {
  // One class, no quantifier: linear.
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
}

function cut(text: string): string {
  return safe(text.length > CUT ? `${text.slice(0, CUT)}…` : text);
}

function wrap(text: string, indent: string, width = 110): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}
