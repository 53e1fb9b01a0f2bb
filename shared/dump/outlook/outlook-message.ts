/**
 * Writes an Outlook item out as the message bytes of its entry. Outlook keeps the header section an item
 * arrived with (PR_TRANSPORT_MESSAGE_HEADERS) but not its body, which it re-serialises into properties (text,
 * HTML, RTF, attachments). The entry's bytes are that header section, byte for byte as Outlook kept it, and a
 * body re-built from the properties as MIME by nodemailer's MailComposer. The original's Content-Type,
 * Content-Transfer-Encoding, MIME-Version and Content-Disposition fields described the original body, which is
 * gone (a winmail.dat attachment's disposition would make the whole re-built body an attachment): they are taken
 * out and the re-built body's own are put at the end of the header section, so the entry is a
 * consistent message that MIME parsers (the attachment inventory) read correctly.
 *
 * What that means for DKIM: a signature whose h= lists any of those fields no longer holds over the
 * entry's header section, and no body hash can hold over a re-built body. So the entry also carries the
 * header section exactly as Outlook stored it (`outlook.transportHeaders`, entry.ts), against which a
 * signature's b= can still be checked (headers-only verification); the entry's bytes are never to be read as
 * the signed message.
 *
 * An item without transport headers (a draft, a sent item) gets a header section written from its properties
 * (From, To, Cc, Subject, Date, Message-ID) and `transportHeaders: null`.
 *
 * Deterministic: the same item always gives the same bytes (MIME boundaries are derived from the item's
 * content, not random), so its SHA-256 is stable across runs, re-verification and the AWS workers.
 */
import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { splitMessage, type HeaderField } from '../../dkim/header-fields.ts';
import { formatBytes } from '../chunks.ts';
import { MAX_CONTAINER_DEPTH, MAX_MESSAGE_BYTES } from '../limits.ts';
import type { OutlookAttachment, OutlookItem } from './outlook-item.ts';

export interface OutlookMessage {
  bytes: Buffer;
  /** The header section as Outlook stored it, or null when the item has none. */
  transportHeaders: Buffer | null;
}

/** Header fields that describe the original body: replaced by the re-built body's own. */
const BODY_FIELDS = new Set(['content-type', 'content-transfer-encoding', 'mime-version', 'content-disposition']);
/** Header fields MailComposer writes whatever it is given: dropped when the item had no value for them. */
const INVENTED_FIELDS = new Set(['date', 'message-id']);

/** base64 (attachments, most bodies) turns 3 bytes into 4, plus line ends. */
const BASE64_GROWTH = 1.37;

/** Thrown when an item is too large or too deep to write out: the item becomes an error entry with this reason. */
export class OutlookItemRefused extends Error {}

export async function outlookMessage(item: OutlookItem, depth = 0): Promise<OutlookMessage> {
  if (depth > MAX_CONTAINER_DEPTH) throw new OutlookItemRefused(`Outlook messages attached inside each other more than ${MAX_CONTAINER_DEPTH} deep; not read`);
  const declared = item.text.length + item.html.length + item.attachments.reduce((total, attachment) => total + attachment.declaredSize, 0);
  if (declared * BASE64_GROWTH > MAX_MESSAGE_BYTES) throw tooLarge();
  const headerText = item.transportHeaders.trim() === '' ? null : Buffer.from(item.transportHeaders, 'utf8');
  const original = headerText === null ? undefined : headerSectionOf(headerText);
  const composed = await compose(item, depth, original === undefined);
  const built = splitMessage(composed);
  const body = composed.subarray(built.bodyStart);
  let header: Buffer;
  if (original === undefined) {
    header = withoutFields(composed.subarray(0, built.bodyStart), built.fields, (field) => INVENTED_FIELDS.has(field.key) && !hasValueFor(item, field.key));
  } else {
    const eol = original.section.includes('\r\n') ? '\r\n' : '\n';
    const kept = withoutFields(original.section, original.fields, (field) => BODY_FIELDS.has(field.key));
    const own = built.fields.filter((field) => BODY_FIELDS.has(field.key)).map((field) => Buffer.concat([field.raw, Buffer.from(eol)]));
    header = Buffer.concat([kept, ...own, Buffer.from(eol)]);
  }
  const bytes = Buffer.concat([header, body]);
  if (bytes.length > MAX_MESSAGE_BYTES) throw tooLarge();
  return { bytes, transportHeaders: headerText };
}

function tooLarge(): OutlookItemRefused {
  return new OutlookItemRefused(`Outlook item larger than ${formatBytes(MAX_MESSAGE_BYTES)} once written as a message; not read`);
}

/**
 * The header section of the transport headers (up to the first empty line, which some stores keep and some do
 * not), ending with a line end; undefined when it holds no header field at all.
 */
function headerSectionOf(text: Buffer): { section: Buffer; fields: HeaderField[] } | undefined {
  const split = splitMessage(text);
  if (split.fields.length === 0) return undefined;
  let section = text.subarray(0, split.bodyStart);
  // Drop the empty line that ended it, if any; make sure the last field ends with a line end.
  const trailing = section.toString('latin1').match(/(\r?\n)(\r?\n)$/);
  if (trailing) section = section.subarray(0, section.length - trailing[2]!.length);
  else if (!section.toString('latin1').endsWith('\n')) section = Buffer.concat([section, Buffer.from(section.includes('\r\n') ? '\r\n' : '\n')]);
  return { section, fields: splitMessage(section).fields };
}

/** `section` without the fields `drop` picks, each with its line end; everything else byte for byte. */
function withoutFields(section: Buffer, fields: HeaderField[], drop: (field: HeaderField) => boolean): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const field of fields) {
    if (!drop(field)) continue;
    const start = field.raw.byteOffset - section.byteOffset;
    if (start < 0 || start > section.length) continue; // a field of another buffer: never here
    let end = start + field.raw.length;
    if (section[end] === 0x0d) end++;
    if (section[end] === 0x0a) end++;
    parts.push(section.subarray(at, start));
    at = end;
  }
  parts.push(section.subarray(at));
  return Buffer.concat(parts);
}

function hasValueFor(item: OutlookItem, key: string): boolean {
  return key === 'date' ? item.date !== null : item.messageId.trim() !== '';
}

/**
 * The item as MailComposer writes it: the body always, and the header fields too when there are no transport
 * headers (`withHeaders`).
 */
async function compose(item: OutlookItem, depth: number, withHeaders: boolean): Promise<Buffer> {
  const text = item.text !== '' ? item.text : undefined;
  const html = item.html.length > 0 ? item.html : undefined;
  const rtf = text === undefined && html === undefined ? item.rtf() : '';
  const attachments: Mail.Attachment[] = [];
  for (const attachment of item.attachments) attachments.push(await attachmentOf(attachment, depth));
  const options: Mail.Options = {
    text,
    html,
    attachments,
    // An item with only an RTF body keeps it, as what it is.
    ...(rtf !== '' ? { alternatives: [{ contentType: 'text/rtf; charset=utf-8', content: rtf }] } : {}),
    // Boundaries from the content, not random: see the module comment. Unpredictable to whoever wrote the item,
    // so its text cannot hold them.
    baseBoundary: boundaryOf(item, text, html, rtf),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  if (withHeaders) {
    const address = (entry: { name: string; address: string }) => ({ name: entry.name, address: entry.address });
    Object.assign(options, {
      from: item.from.address !== '' || item.from.name !== '' ? address(item.from) : undefined,
      to: item.recipients.filter((recipient) => recipient.kind === 'to').map(address),
      cc: item.recipients.filter((recipient) => recipient.kind === 'cc').map(address),
      subject: item.subject,
      date: item.date ?? undefined,
      messageId: item.messageId.trim() || undefined,
    });
  }
  return new MailComposer(options).compile().build();
}

async function attachmentOf(attachment: OutlookAttachment, depth: number): Promise<Mail.Attachment> {
  const common = { filename: attachment.fileName || undefined, cid: attachment.contentId || undefined };
  if (attachment.embedded !== undefined) {
    const inner = await outlookMessage(attachment.embedded(), depth + 1);
    // As an attachment: MIME readers would otherwise show it in line, its own attachments as the outer's.
    return { ...common, content: inner.bytes, contentType: 'message/rfc822', contentDisposition: 'attachment' };
  }
  return { ...common, content: attachment.content?.() ?? Buffer.alloc(0), contentType: attachment.mimeType || 'application/octet-stream', contentDisposition: attachment.contentId ? 'inline' : 'attachment' };
}

function boundaryOf(item: OutlookItem, text: string | undefined, html: string | Buffer | undefined, rtf: string): string {
  const hash = createHash('sha256').update(item.transportHeaders).update('\0').update(text ?? '').update('\0').update(html ?? '').update('\0').update(rtf);
  for (const attachment of item.attachments) hash.update(`\0${attachment.fileName}\0${attachment.declaredSize}`);
  return hash.digest('hex').slice(0, 24);
}
