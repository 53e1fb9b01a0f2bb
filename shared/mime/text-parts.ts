/**
 * The text of a message as people read it: its text/plain parts, or its text/html parts when it has no plain one,
 * decoded (transfer encoding, then charset) and joined. For comparing copies of a message (the variants diff),
 * not for display. Capped at MAX_TEXT_BYTES of decoded bytes; never throws.
 */
import iconv from 'iconv-lite';
import { decodeBody } from './decode-body.ts';
import { MAX_TEXT_BYTES } from './limits.ts';
import { walkMime, type MimeLeaf } from './mime-tree.ts';
import { isTextBody } from './part-role.ts';

export interface MessageText {
  text: string;
  /** Some text is missing: the cap cut it, or the MIME walk stopped at one of its caps. */
  truncated: boolean;
}

export function textPartsOf(message: Buffer): MessageText {
  const walk = walkMime(message);
  const bodies = walk.leaves.filter(isTextBody);
  const plain = bodies.filter((leaf) => leaf.type === 'text/plain');
  const chosen = plain.length > 0 ? plain : bodies.filter((leaf) => leaf.type === 'text/html');
  let budget = MAX_TEXT_BYTES;
  let truncated = walk.stopped;
  const texts: string[] = [];
  for (const leaf of chosen) {
    if (budget === 0) {
      truncated = true;
      break;
    }
    // Four encoded bytes per decoded byte is more than base64 (4/3) or quoted-printable (3, plus soft breaks)
    // need, so a part cut there still fills the budget: a 30 MB text part is not decoded whole for 256 KB.
    const encodedEnd = Math.min(leaf.bodyEnd, leaf.bodyStart + budget * 4);
    const decoded = decodeBody(message.subarray(leaf.bodyStart, encodedEnd), leaf.transferEncoding);
    const kept = decoded.subarray(0, budget);
    if (kept.length < decoded.length || encodedEnd < leaf.bodyEnd) truncated = true;
    budget -= kept.length;
    texts.push(charsetDecoded(kept, leaf));
  }
  return { text: texts.join('\n'), truncated };
}

/** The part's bytes as text in its declared charset; UTF-8 when it declares none or one iconv-lite does not know. */
function charsetDecoded(bytes: Buffer, leaf: MimeLeaf): string {
  const charset = leaf.charset?.trim() ?? '';
  if (charset !== '' && iconv.encodingExists(charset)) return iconv.decode(bytes, charset);
  return bytes.toString('utf8');
}
