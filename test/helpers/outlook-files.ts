/**
 * Builds Outlook .msg files at test time. No JavaScript library writes .msg, but one is an OLE2 compound file
 * (which the cfb package writes) holding one stream per property, "__substg1.0_<id><type>": strings as UTF-16LE
 * (type 001F), binary as is (0102); an attachment is a storage "__attach_version1.0_#<n>" of its own properties
 * (MS-OXMSG §2.1). That is what msgreader reads.
 */
import CFB from 'cfb';

export interface MsgSpec {
  messageClass?: string;
  subject?: string;
  body?: string;
  html?: string;
  /** PR_TRANSPORT_MESSAGE_HEADERS; absent for a draft or a sent item. */
  transportHeaders?: string;
  senderName?: string;
  senderAddress?: string;
  attachments?: { name: string; data: Buffer; mimeType?: string }[];
}

const PROPERTIES_HEADER_BYTES = { top: 32, attachment: 8 };

function unicode(text: string): Buffer {
  return Buffer.from(`${text}\0`, 'utf16le');
}

export function buildMsg(spec: MsgSpec): Buffer {
  const cfb = CFB.utils.cfb_new();
  const add = (path: string, content: Buffer) => CFB.utils.cfb_add(cfb, path, content);
  add('/__properties_version1.0', Buffer.alloc(PROPERTIES_HEADER_BYTES.top));
  add('/__substg1.0_001A001F', unicode(spec.messageClass ?? 'IPM.Note'));
  if (spec.subject !== undefined) add('/__substg1.0_0037001F', unicode(spec.subject));
  if (spec.body !== undefined) add('/__substg1.0_1000001F', unicode(spec.body));
  if (spec.html !== undefined) add('/__substg1.0_10130102', Buffer.from(spec.html, 'utf8'));
  if (spec.transportHeaders !== undefined) add('/__substg1.0_007D001F', unicode(spec.transportHeaders));
  if (spec.senderName !== undefined) add('/__substg1.0_0C1A001F', unicode(spec.senderName));
  if (spec.senderAddress !== undefined) add('/__substg1.0_5D01001F', unicode(spec.senderAddress));
  (spec.attachments ?? []).forEach((attachment, n) => {
    const storage = `/__attach_version1.0_#${n.toString(16).toUpperCase().padStart(8, '0')}`;
    add(`${storage}/__properties_version1.0`, Buffer.alloc(PROPERTIES_HEADER_BYTES.attachment));
    add(`${storage}/__substg1.0_3707001F`, unicode(attachment.name));
    add(`${storage}/__substg1.0_37010102`, attachment.data);
    if (attachment.mimeType !== undefined) add(`${storage}/__substg1.0_370E001F`, unicode(attachment.mimeType));
  });
  return Buffer.from(CFB.write(cfb, { type: 'buffer', fileType: 'cfb' }) as Uint8Array);
}
