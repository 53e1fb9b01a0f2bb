/**
 * An Outlook item as both Outlook readers see it (pst.ts through pst-extractor, msg.ts through msgreader): what
 * outlook-message.ts needs to write it out as a MIME message. Contents are read lazily, after their declared
 * sizes were checked against the message size limit.
 */

export interface OutlookItem {
  /** PR_MESSAGE_CLASS, e.g. "IPM.Note", "IPM.Contact". */
  messageClass: string;
  /** PR_TRANSPORT_MESSAGE_HEADERS: the header section as the item arrived; empty when it never did (drafts, sent items). */
  transportHeaders: string;
  subject: string;
  from: { name: string; address: string };
  recipients: { name: string; address: string; kind: 'to' | 'cc' | 'bcc' }[];
  /** When it was sent (PR_CLIENT_SUBMIT_TIME), else delivered. */
  date: Date | null;
  /** PR_INTERNET_MESSAGE_ID, as written ("<…>"). */
  messageId: string;
  text: string;
  html: string | Buffer;
  /** The RTF body, decompressed; used only when there is neither text nor HTML. */
  rtf: () => string;
  attachments: OutlookAttachment[];
}

export interface OutlookAttachment {
  fileName: string;
  mimeType: string;
  contentId: string;
  /** The size its record declares, checked before its content is read. */
  declaredSize: number;
  /** Its bytes; undefined for an embedded message. */
  content?: () => Buffer;
  /** An attached Outlook item (an e-mail forwarded as an attachment): written as message/rfc822. */
  embedded?: () => OutlookItem;
}

/**
 * Item classes that are mail (RFC 822 messages as Outlook keeps them): notes, meeting requests and responses,
 * posts, delivery and read reports. Contacts, calendar entries, tasks, sticky notes and distribution lists are
 * not, unless they arrived by mail (then they carry transport headers, and are read like mail).
 */
const MAIL_CLASSES = /^(IPM\.Note|IPM\.Schedule\.Meeting|IPM\.Post|IPM\.Outlook\.Recall|REPORT\.)/i;

/** Why an item is not read as a message (a contact, a calendar entry …), or undefined when it is mail. */
export function notMail(item: Pick<OutlookItem, 'messageClass' | 'transportHeaders'>): string | undefined {
  if (item.transportHeaders.trim() !== '' || MAIL_CLASSES.test(item.messageClass) || item.messageClass === '') return undefined;
  return `Outlook item of class ${item.messageClass.slice(0, 80)}, not a mail message`;
}
