import { indexFields, type HeaderField } from '../dkim/header-fields.ts';
import { signedFieldPositions } from '../dkim/header-hash.ts';
import type { UnsignedShownField } from '../ports/verdict-store.ts';
import type { SignatureEvidence } from '../verdict/contract.ts';
import { coveringSignatures } from './coverage.ts';
import { PROTECTED_HEADERS } from './message-context.ts';

const DISPLAYED = ['from', 'to', 'cc', 'subject', 'date', 'message-id'] as const;
const CRLF = Buffer.from('\r\n');
/**
 * Longest field handed to the display decoder. A Subject of 250 KB or a 16 MB header line is shown cut; the
 * verdict is computed on the whole bytes regardless.
 */
export const MAX_DISPLAYED_FIELD_BYTES = 64 * 1024;

/**
 * The instance of a field that mail readers show: the top-most. RFC 6376 §8.15 warns that an MUA may render the
 * first ("top") of several From fields while a verifier takes the bottom-most, and Thunderbird, Outlook and
 * Python's email package (`msg['Subject']`) show the first; a forger who adds a Subject above a signed one counts
 * on it. (mailparser, which decodes our display fields, keeps the last of several: it is given one instance.)
 * What a signature covers of it is said beside it (unsignedShownFields), never by showing another instance.
 */
export function shownInstance(fields: readonly HeaderField[], name: string): HeaderField | undefined {
  return fields.find((field) => field.key === name);
}

/**
 * The displayed fields of a message, raw, as a small header section of their own: of each name, the instance
 * readers show (shownInstance), cut at MAX_DISPLAYED_FIELD_BYTES.
 */
export function displayFieldsOf(fields: readonly HeaderField[]): Buffer {
  const shown = DISPLAYED.flatMap((name) => shownInstance(fields, name) ?? []);
  return Buffer.concat([...shown.flatMap((field) => [field.raw.subarray(0, MAX_DISPLAYED_FIELD_BYTES), CRLF]), CRLF]);
}

/**
 * The displayed fields (From, To, Cc, Subject, Date: the verdict's protected headers) whose shown instance no
 * verifying header signature covers, while some header signature of the message verifies — what a listing marks
 * "not signed". Coverage is the message view's (coveringSignatures over the verifier's own h= selection), so the
 * mark and the view never disagree. Empty when no header signature verifies: then nothing is proven, and the
 * verdict says so. A `verified` message never has one (its signature covers every instance of these fields).
 */
export function unsignedShownFields(fields: readonly HeaderField[], signatures: readonly SignatureEvidence[]): UnsignedShownField[] {
  if (!signatures.some((signature) => signature.headerSignature === 'pass')) return [];
  const index = indexFields(fields);
  const signedBy = coveringSignatures(fields.length, signatures, signatures.map((signature) => signedFieldPositions(signature.h, index)));
  return PROTECTED_HEADERS.filter((name) => {
    const position = index.get(name)?.[0];
    return position !== undefined && signedBy[position]!.length === 0;
  });
}
