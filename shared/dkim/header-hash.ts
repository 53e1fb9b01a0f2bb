import { canonicalHeader } from './canonicalize-header.ts';
import { indexFields, type FieldIndex, type HeaderField } from './header-fields.ts';
import type { DkimSignature } from './signature-field.ts';

/**
 * The bytes a DKIM header signature covers (RFC 6376 §3.7, §5.4.2): each field named in h=, taken from the
 * bottom of the header up (a name listed twice takes the next instance up; a name with no instance left
 * adds nothing), then the DKIM-Signature itself with its b= value emptied and no final CRLF. Fields are found
 * through an index by name, so the cost is linear in h= and the header section.
 */
export function signedHeaderData(
  fields: readonly HeaderField[],
  signature: Pick<DkimSignature, 'h' | 'headerCanon' | 'field'>,
  index: FieldIndex = indexFields(fields),
): Buffer {
  const parts = signedFieldPositions(signature.h, index).map((position) => canonicalHeader(fields[position]!, signature.headerCanon));
  const own = canonicalHeader(withoutSignatureValue(signature.field), signature.headerCanon);
  parts.push(own.slice(0, -2));
  return Buffer.from(parts.join(''), 'latin1');
}

/**
 * Which header fields an h= list selects, as positions in the header section, in h= order: each name takes the
 * bottom-most instance not yet taken; a name with no instance left selects nothing (it signs an absence). The
 * one selection the verifier hashes, exported so what is shown as signed is exactly what was verified.
 */
export function signedFieldPositions(h: readonly string[], index: FieldIndex): number[] {
  const taken = new Map<string, number>();
  const positions: number[] = [];
  for (const name of h) {
    const instances = index.get(name);
    const used = taken.get(name) ?? 0;
    if (!instances || used >= instances.length) continue;
    taken.set(name, used + 1);
    positions.push(instances[instances.length - 1 - used]!);
  }
  return positions;
}

/** The field with the value of its b= tag removed (and only b=, never bh=). */
export function withoutSignatureValue(field: HeaderField): HeaderField {
  const text = field.raw.toString('latin1');
  const value = text.slice(field.colon + 1).replace(/(^|;)([ \t\r\n]*b[ \t\r\n]*=)[^;]*/, '$1$2');
  return { ...field, raw: Buffer.from(text.slice(0, field.colon + 1) + value, 'latin1') };
}
