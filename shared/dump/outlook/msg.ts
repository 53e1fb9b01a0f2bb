/**
 * Reads an Outlook item file (.msg, an OLE2 compound file) with msgreader: one message entry (outlook-message.ts),
 * located at the file itself, or a skipped entry when the item is not mail (a contact, a calendar entry). The
 * file is read whole (it is one message: at most MAX_MESSAGE_BYTES); a damaged one is an error entry.
 */
import * as msgReaderModule from '@kenjiuno/msgreader';
import type { FieldsData } from '@kenjiuno/msgreader';
import { decompressRTF } from '@kenjiuno/decompressrtf';
import { collect } from '../chunks.ts';
import type { DumpEntry, Locator } from '../entry.ts';
import { describeError } from '../errors.ts';
import { MAX_MESSAGE_BYTES } from '../limits.ts';
import type { OutlookAttachment, OutlookItem } from './outlook-item.ts';
import { outlookEntry } from './outlook-entry.ts';

/**
 * The package is CommonJS with its class on `default`: Node's default import is its module.exports (the class is
 * one level down), a bundler's or vitest's may already be the class.
 */
const MsgReader = (typeof msgReaderModule.default === 'function' ? msgReaderModule.default : msgReaderModule.default.default) as typeof msgReaderModule.default.default;
type MsgReader = InstanceType<typeof MsgReader>;

export async function readMsg(locator: Locator, chunks: AsyncIterable<Buffer>): Promise<DumpEntry> {
  let bytes: Buffer;
  try {
    bytes = await collect(chunks, MAX_MESSAGE_BYTES);
  } catch (error) {
    return { kind: 'error', locator, reason: `Outlook .msg ${describeError(error)}` };
  }
  return outlookEntry(locator, () => {
    const reader = new MsgReader(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
    const fields = reader.getFileData();
    if (fields.error !== undefined) throw new Error(`not a readable .msg: ${fields.error}`);
    return msgItem(reader, fields);
  });
}

function msgItem(reader: MsgReader, fields: FieldsData): OutlookItem {
  const date = fields.clientSubmitTime ?? fields.messageDeliveryTime;
  return {
    messageClass: fields.messageClass ?? '',
    transportHeaders: fields.headers ?? '',
    subject: fields.subject ?? '',
    from: { name: fields.senderName ?? '', address: fields.senderSmtpAddress || fields.senderEmail || '' },
    recipients: (fields.recipients ?? []).map((recipient) => ({
      name: recipient.name ?? '',
      address: recipient.smtpAddress || recipient.email || '',
      kind: recipient.recipType ?? 'to',
    })),
    date: date === undefined || Number.isNaN(Date.parse(date)) ? null : new Date(date),
    messageId: fields.messageId ?? '',
    text: fields.body ?? '',
    html: fields.bodyHtml ?? (fields.html === undefined ? '' : Buffer.from(fields.html)),
    rtf: () => (fields.compressedRtf === undefined ? '' : Buffer.from(decompressRTF([...fields.compressedRtf])).toString('latin1')),
    attachments: (fields.attachments ?? []).map((attachment) => msgAttachment(reader, attachment)),
  };
}

function msgAttachment(reader: MsgReader, attachment: FieldsData): OutlookAttachment {
  const common = {
    fileName: attachment.fileName ?? attachment.fileNameShort ?? attachment.name ?? '',
    mimeType: attachment.attachMimeTag ?? '',
    contentId: attachment.pidContentId ?? '',
    declaredSize: attachment.contentLength ?? 0,
  };
  if (attachment.innerMsgContent && attachment.innerMsgContentFields !== undefined) {
    return { ...common, embedded: () => msgItem(reader, attachment.innerMsgContentFields!) };
  }
  return { ...common, content: () => Buffer.from(reader.getAttachment(attachment).content) };
}
