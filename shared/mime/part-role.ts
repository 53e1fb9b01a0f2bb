/**
 * Which leaves of a message are files and which are its text: one rule, used by the attachments inventory and by
 * textPartsOf, so a part is never both or neither.
 *
 * A leaf is a file when it is declared an attachment, or has a file name (inline images and documents carry one),
 * or is of any type but text/* and multipart/* (an image, a PDF, an attached message/rfc822, a nameless
 * application/octet-stream: mail readers offer each as a file). A text/* leaf without a name that is not
 * declared an attachment is the message's text (its plain or HTML body), not a file. A multipart read as a leaf
 * (it had no usable boundary) is neither.
 */
import type { MimeLeaf } from './mime-tree.ts';

export function isFilePart(leaf: MimeLeaf): boolean {
  if (leaf.type.startsWith('multipart/')) return false;
  if (leaf.disposition === 'attachment' || leaf.name !== null) return true;
  return !leaf.type.startsWith('text/');
}

/** A text body: text/* and not a file. */
export function isTextBody(leaf: MimeLeaf): boolean {
  return leaf.type.startsWith('text/') && !isFilePart(leaf);
}
