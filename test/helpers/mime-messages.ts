/**
 * Builds MIME messages for the attachment and text tests: trees of parts written byte by byte as given, so a
 * test controls every header, boundary and line end (hostile ones too). Signed by the caller (signMessage).
 */
import { buildMessage, type MessageParts } from './messages.ts';

export interface LeafPart {
  headers: string[];
  body: string | Buffer;
}

export interface MultiPart {
  subtype: string;
  boundary: string;
  parts: Part[];
  /** Headers besides the Content-Type (a nested multipart's own). */
  headers?: string[];
}

export type Part = LeafPart | MultiPart;

const EOL = '\r\n';

/** A file part: base64 in 76-character lines by default, as mailers write it. */
export function filePart(
  bytes: Buffer,
  options: { type?: string; name?: string; disposition?: string; encoding?: 'base64' | 'quoted-printable' | '7bit'; headers?: string[] } = {},
): LeafPart {
  const encoding = options.encoding ?? 'base64';
  const type = options.type ?? 'application/octet-stream';
  const disposition = options.disposition ?? (options.name !== undefined ? `attachment; filename="${options.name}"` : 'attachment');
  return {
    headers: [`Content-Type: ${type}`, `Content-Disposition: ${disposition}`, `Content-Transfer-Encoding: ${encoding}`, ...(options.headers ?? [])],
    body: encoding === 'base64' ? base64Lines(bytes) : bytes,
  };
}

export function textPart(text: string, type = 'text/plain; charset=utf-8', encoding = '7bit'): LeafPart {
  return { headers: [`Content-Type: ${type}`, `Content-Transfer-Encoding: ${encoding}`], body: text };
}

export function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? []).join(EOL);
}

/** A part's bytes: its headers, a blank line, its body (a multipart's body with its delimiters). */
export function renderPart(part: Part): Buffer {
  if ('subtype' in part) {
    const headers = [`Content-Type: multipart/${part.subtype}; boundary="${part.boundary}"`, ...(part.headers ?? [])];
    return Buffer.concat([Buffer.from(headers.join(EOL) + EOL + EOL, 'latin1'), multipartBody(part)]);
  }
  return Buffer.concat([Buffer.from(part.headers.join(EOL) + EOL + EOL, 'latin1'), asBuffer(part.body)]);
}

export function multipartBody(part: MultiPart): Buffer {
  const chunks: Buffer[] = [];
  for (const child of part.parts) chunks.push(Buffer.from(`--${part.boundary}${EOL}`, 'latin1'), renderPart(child), Buffer.from(EOL));
  chunks.push(Buffer.from(`--${part.boundary}--${EOL}`, 'latin1'));
  return Buffer.concat(chunks);
}

/** A whole message whose top-level part is the multipart given. */
export function multipartMessage(part: MultiPart, headers: Omit<MessageParts, 'contentType' | 'body'> = {}): Buffer {
  return buildMessage({ ...headers, contentType: `multipart/${part.subtype}; boundary="${part.boundary}"`, body: multipartBody(part) });
}

function asBuffer(body: string | Buffer): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
}
