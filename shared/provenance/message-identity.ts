import { createHash } from 'node:crypto';
import type { MessageHeaders } from '../ports/verdict-store.ts';

/**
 * What groups copies of one message across the store: its Message-ID (trimmed, angle brackets kept, case as
 * written: RFC 5322 §3.6.4 makes the id-left case-sensitive), or, for a message without one, a hash of its
 * From, Date and Subject. Null when there is nothing to group by.
 */
export function messageIdentityOf(headers: Pick<MessageHeaders, 'messageId' | 'from' | 'date' | 'subject'>): string | null {
  const messageId = headers.messageId?.trim();
  if (messageId) return `id:${messageId}`;
  if (headers.from === null && headers.date === null && headers.subject === null) return null;
  const fields = JSON.stringify([headers.from, headers.date, headers.subject]);
  return `fds:${createHash('sha256').update(fields).digest('hex')}`;
}
