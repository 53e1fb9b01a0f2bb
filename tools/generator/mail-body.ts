import { docxLike, pdfLike } from './attachment-bytes.ts';
import { renderHtml, renderPlainText, type MailText } from './mail-text.ts';
import type { MessagePlan } from './message-plan.ts';
import { base64Body, CRLF, encodeText, filenameParameter, quotedPrintable } from './mime.ts';
import type { Prng } from './prng.ts';

/** A MIME entity: its Content-* header fields and its encoded body. */
export interface MimeEntity {
  headers: string[];
  body: Buffer;
}

const MIME_TYPES = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
} as const;

/**
 * The message body as the plan describes it: text/plain, or multipart/alternative text+html, wrapped in
 * multipart/mixed when an attachment rides along.
 */
export function mailBody(plan: MessagePlan, text: MailText, prng: Prng): MimeEntity {
  const plain = textEntity('plain', renderPlainText(text), plan);
  let entity = plan.alternative
    ? multipart('alternative', [plain, textEntity('html', renderHtml(text, plan.charset), plan, 'quoted-printable')], boundary(plan, prng))
    : plain;
  if (plan.attachment) {
    const { kind, name, size, document } = plan.attachment;
    const bytes = document?.bytes ?? (kind === 'pdf' ? pdfLike(prng, size) : docxLike(prng, size));
    const attachment: MimeEntity = {
      headers: [
        `Content-Type: ${document?.contentType ?? MIME_TYPES[kind]};${CRLF}\tname="${asciiName(name)}"`,
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment;${CRLF}\t${filenameParameter(name, 'iso-8859-1')}`,
      ],
      body: base64Body(bytes),
    };
    entity = multipart('mixed', [entity, attachment], boundary(plan, prng));
  }
  return entity;
}

function textEntity(subtype: 'plain' | 'html', content: string, plan: MessagePlan, encoding = plan.textEncoding): MimeEntity {
  const body =
    encoding === 'quoted-printable' ? Buffer.from(quotedPrintable(content, plan.charset), 'latin1') : encodeText(content.replace(/\n/g, CRLF), plan.charset);
  return {
    headers: [`Content-Type: text/${subtype}; charset=${plan.charset}`, `Content-Transfer-Encoding: ${encoding}`],
    // A text part ends with a line break, as clients write it.
    body: Buffer.concat([body, Buffer.from(CRLF)]),
  };
}

/** multipart/*: each part after a delimiter line, then the close delimiter (RFC 2046 §5.1.1). */
function multipart(subtype: 'alternative' | 'mixed', parts: MimeEntity[], boundaryText: string): MimeEntity {
  const chunks: Buffer[] = [];
  if (subtype === 'mixed') chunks.push(Buffer.from(`This is a multi-part message in MIME format.${CRLF}`));
  for (const part of parts) {
    chunks.push(Buffer.from(`${CRLF}--${boundaryText}${CRLF}${part.headers.join(CRLF)}${CRLF}${CRLF}`, 'latin1'), part.body);
  }
  chunks.push(Buffer.from(`${CRLF}--${boundaryText}--${CRLF}`));
  return { headers: [`Content-Type: multipart/${subtype};${CRLF}\tboundary="${boundaryText}"`], body: Buffer.concat(chunks) };
}

function boundary(plan: MessagePlan, prng: Prng): string {
  if (plan.mailer.startsWith('Apple Mail')) return `Apple-Mail=_${prng.hex(8).toUpperCase()}-${prng.hex(4).toUpperCase()}-${prng.hex(4).toUpperCase()}`;
  if (plan.mailer.startsWith('Microsoft Outlook')) return `----=_NextPart_000_${prng.hex(4).toUpperCase()}_01D2${prng.hex(4).toUpperCase()}.${prng.hex(8).toUpperCase()}`;
  return `------------${prng.hex(24).toUpperCase()}`;
}

/** The legacy name= parameter: clients that write RFC 2231 filename* still put a plain-ASCII name here. */
function asciiName(name: string): string {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}
