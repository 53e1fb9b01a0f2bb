/**
 * Reads an Outlook data file (.pst, and .ost, the same format) with pst-extractor: every mail item in every
 * folder becomes a message entry (outlook-message.ts), located at its folder path and node id inside the file,
 * "box.pst!/Top of Personal Folders/Inbox/2097188" (names escaped, see Locator; the node id makes it unique
 * whatever the folder names). Items that are not mail (contacts, calendar entries, tasks) are skipped entries
 * saying so.
 *
 * pst-extractor needs random access and reads the file synchronously, as it needs it (never whole): a .pst inside
 * another container is first copied to a temp file (file-container.ts). A damaged file gives error entries for
 * what cannot be read — the file (not a .pst at all, encrypted with a format it does not read), a folder's
 * subfolders, the rest of a folder's items, one item — and the rest is still read. Bounds: folders are not
 * followed deeper than MAX_FOLDER_DEPTH nor twice (a damaged hierarchy may loop); a folder gives at most the
 * item count it records; an attachment is read only after its declared size passed the message size limit.
 */
import { PSTAttachment, PSTFile, type PSTFolder, type PSTMessage } from 'pst-extractor';
import { escapeName, insideOf, type DumpEntry, type Locator } from '../entry.ts';
import { describeError, oneLine } from '../errors.ts';
import type { OutlookAttachment, OutlookItem } from './outlook-item.ts';
import { outlookEntry } from './outlook-entry.ts';
import { quietly } from './quietly.ts';

export interface PstFile {
  filePath: string;
  /** The .pst's own locator path, for errors about the file as a whole. */
  path: string;
  /** Prepended to item paths: "" for a top-level .pst, "<its path>!/" for a nested one. */
  prefix: string;
}

/** Folders inside folders deeper than this are not followed (Outlook itself allows a few tens). */
const MAX_FOLDER_DEPTH = 64;

/** PR_RECIPIENT_TYPE values. */
const RECIPIENT_KINDS: Record<number, 'to' | 'cc' | 'bcc'> = { 1: 'to', 2: 'cc', 3: 'bcc' };

export async function* readPst(file: PstFile): AsyncGenerator<DumpEntry> {
  let pst: PSTFile;
  let root: PSTFolder;
  try {
    pst = quietly(() => new PSTFile(file.filePath)).value;
    root = quietly(() => pst.getRootFolder()).value;
  } catch (error) {
    yield { kind: 'error', locator: insideOf(file.path), reason: `not a readable Outlook data file: ${describeError(error)}` };
    return;
  }
  try {
    yield* folderEntries(root, file.prefix, 0, new Set());
  } finally {
    quietly(() => pst.close());
  }
}

async function* folderEntries(folder: PSTFolder, prefix: string, depth: number, visited: Set<string>): AsyncGenerator<DumpEntry> {
  const id = String(folder.descriptorNodeId);
  const here: Locator = { path: prefix === '' ? '' : prefix };
  if (visited.has(id) || depth > MAX_FOLDER_DEPTH) {
    yield { kind: 'error', locator: here, reason: depth > MAX_FOLDER_DEPTH ? `Outlook folders nested more than ${MAX_FOLDER_DEPTH} deep; not read` : 'Outlook folder listed twice (a damaged folder tree); not read again' };
    return;
  }
  visited.add(id);
  yield* itemEntries(folder, prefix);
  let subfolders: PSTFolder[] = [];
  try {
    const listed = quietly(() => (folder.hasSubfolders ? folder.getSubFolders() : []));
    subfolders = listed.value;
    if (listed.said.length > 0) yield { kind: 'error', locator: here, reason: `Outlook folder's subfolders unreadable: ${oneLine(listed.said[0]!)}` };
  } catch (error) {
    yield { kind: 'error', locator: here, reason: `Outlook folder's subfolders unreadable: ${describeError(error)}` };
  }
  for (const subfolder of subfolders) {
    const name = escapeName(quietly(() => subfolder.displayName).value || `folder ${String(subfolder.descriptorNodeId)}`);
    yield* folderEntries(subfolder, `${prefix}${name}/`, depth + 1, visited);
  }
}

async function* itemEntries(folder: PSTFolder, prefix: string): AsyncGenerator<DumpEntry> {
  const count = folder.contentCount;
  for (let read = 0; read < count; read++) {
    let item: PSTMessage | null;
    try {
      item = quietly(() => folder.getNextChild()).value as PSTMessage | null;
    } catch (error) {
      yield { kind: 'error', locator: { path: prefix }, reason: `Outlook folder's items after the first ${read} unreadable: ${describeError(error)}` };
      return;
    }
    if (item === null) return;
    const locator: Locator = { path: `${prefix}${String(item.descriptorNodeId)}` };
    yield await outlookEntry(locator, () => pstItem(item));
  }
}

/** A pst-extractor item as an OutlookItem; its properties are read as they are asked for. */
export function pstItem(message: PSTMessage): OutlookItem {
  const read = <T>(call: () => T): T => quietly(call).value;
  const recipients: OutlookItem['recipients'] = [];
  const recipientCount = read(() => message.numberOfRecipients);
  for (let n = 0; n < recipientCount; n++) {
    const recipient = read(() => message.getRecipient(n));
    if (recipient === null) continue;
    recipients.push({ name: recipient.displayName, address: recipient.smtpAddress || recipient.emailAddress, kind: RECIPIENT_KINDS[recipient.recipientType] ?? 'to' });
  }
  const attachments: OutlookAttachment[] = [];
  const attachmentCount = read(() => message.numberOfAttachments);
  for (let n = 0; n < attachmentCount; n++) attachments.push(pstAttachment(read(() => message.getAttachment(n))));
  return {
    messageClass: read(() => message.messageClass) ?? '',
    transportHeaders: read(() => message.transportMessageHeaders) ?? '',
    subject: read(() => message.subject) ?? '',
    from: { name: read(() => message.senderName) ?? '', address: read(() => message.senderEmailAddress) ?? '' },
    recipients,
    date: read(() => message.clientSubmitTime ?? message.messageDeliveryTime),
    messageId: read(() => message.internetMessageId) ?? '',
    text: read(() => message.body) ?? '',
    html: read(() => message.bodyHTML) ?? '',
    rtf: () => read(() => message.bodyRTF) ?? '',
    attachments,
  };
}

function pstAttachment(attachment: PSTAttachment): OutlookAttachment {
  const read = <T>(call: () => T): T => quietly(call).value;
  const method = read(() => attachment.attachMethod);
  const embedded = method === PSTAttachment.ATTACHMENT_METHOD_EMBEDDED;
  const common = {
    fileName: read(() => attachment.longFilename || attachment.filename || attachment.displayName) ?? '',
    mimeType: read(() => attachment.mimeTag) ?? '',
    contentId: read(() => attachment.contentId) ?? '',
    // The data's size as its descriptor records it (an attached item: the size Outlook records for it).
    declaredSize: Math.max(0, (embedded ? read(() => attachment.size) : read(() => attachment.filesize)) ?? 0),
  };
  if (embedded) {
    return {
      ...common,
      embedded: () => {
        const inner = read(() => attachment.embeddedPSTMessage);
        if (inner === null) throw new Error('attached Outlook item unreadable');
        return pstItem(inner);
      },
    };
  }
  return {
    ...common,
    content: () =>
      read(() => {
        const stream = attachment.fileInputStream;
        if (stream === null) return Buffer.alloc(0); // attached by reference (a path on the sender's disk): no bytes
        const length = stream.length.toNumber();
        // The length read, checked against the declared size the message's limit was checked with.
        if (length > common.declaredSize) throw new Error(`attachment holds ${length} bytes, more than the ${common.declaredSize} it declares`);
        const bytes = Buffer.alloc(length);
        stream.readCompletely(bytes);
        return bytes;
      }),
  };
}
