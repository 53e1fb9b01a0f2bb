import { canonicalHeader } from './canonicalize-header.ts';
import type { HeaderField } from './header-fields.ts';
import type { DkimSignature } from './signature-field.ts';

/**
 * The bytes a DKIM header signature covers (RFC 6376 §3.7, §5.4.2): each field named in h=, taken from the
 * bottom of the header up (a name listed twice takes the next instance up; a name with no instance left
 * adds nothing), then the DKIM-Signature itself with its b= value emptied and no final CRLF.
 */
export function signedHeaderData(fields: readonly HeaderField[], signature: DkimSignature): Buffer {
  const used = new Set<number>();
  let data = '';
  for (const name of signature.h) {
    for (let i = fields.length - 1; i >= 0; i--) {
      if (fields[i]!.key === name && !used.has(i)) {
        used.add(i);
        data += canonicalHeader(fields[i]!, signature.headerCanon);
        break;
      }
    }
  }
  const own = canonicalHeader(withoutSignatureValue(signature.field), signature.headerCanon);
  data += own.slice(0, -2);
  return Buffer.from(data, 'latin1');
}

/** The field with the value of its b= tag removed (and only b=, never bh=). */
function withoutSignatureValue(field: HeaderField): HeaderField {
  const text = field.raw.toString('latin1');
  const colon = text.indexOf(':');
  const value = text.slice(colon + 1).replace(/(^|;)([ \t\r\n]*b[ \t\r\n]*=)[^;]*/, '$1$2');
  return { ...field, raw: Buffer.from(text.slice(0, colon + 1) + value, 'latin1') };
}
