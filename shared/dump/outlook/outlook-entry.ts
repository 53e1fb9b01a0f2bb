/** One Outlook item (from a .pst or a .msg) as the entry it becomes: a message, a skipped non-mail item, or an error. */
import type { ErrorEntry, Locator, MessageEntry, SkippedEntry } from '../entry.ts';
import { describeError } from '../errors.ts';
import { notMail, type OutlookItem } from './outlook-item.ts';
import { OutlookItemRefused, outlookMessage } from './outlook-message.ts';

export async function outlookEntry(locator: Locator, readItem: () => OutlookItem): Promise<MessageEntry | SkippedEntry | ErrorEntry> {
  try {
    const item = readItem();
    const notAMessage = notMail(item);
    if (notAMessage !== undefined) return { kind: 'skipped', locator, reason: notAMessage };
    const { bytes, transportHeaders } = await outlookMessage(item);
    return { kind: 'message', locator, bytes, outlook: { transportHeaders } };
  } catch (error) {
    return { kind: 'error', locator, reason: error instanceof OutlookItemRefused ? error.message : `Outlook item unreadable: ${describeError(error)}` };
  }
}
