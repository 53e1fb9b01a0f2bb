/**
 * Reads one file (a .eml, a maildir file, a zip entry) that holds a single message, byte for byte — except for a
 * leading "From " envelope line, which mbox writers put on top of a lone message (`notmuch insert`, public-inbox's
 * "From mboxrd@z" downloads) and which is not part of it. Such a message may carry mbox ">From " quoting too, so
 * it gets the same readings as a message in an mbox.
 */
import type { DeflatedMember, ErrorEntry, Locator, MessageEntry, SkippedEntry } from './entry.ts';
import { collect, formatBytes } from './chunks.ts';
import { inflateMember } from './zip-member.ts';
import { describeError } from './errors.ts';
import { MAX_MESSAGE_BYTES } from './limits.ts';
import { mboxReadings } from './mbox-quoting.ts';

export const ENVELOPE = Buffer.from('From ', 'latin1');

/**
 * A message in a deflated zip member, left compressed: `bytes` inflates on first use, and a worker pool ships
 * `deflated` to inflate on the verifying thread. A message with an envelope line takes the plain path instead.
 */
export function deferredEml(locator: Locator, deflated: DeflatedMember): MessageEntry | ErrorEntry {
  if (deflated.size > MAX_MESSAGE_BYTES) return { kind: 'error', locator, reason: `larger than ${formatBytes(MAX_MESSAGE_BYTES)}; not read` };
  let inflated: Buffer | undefined;
  return {
    kind: 'message',
    locator,
    deflated,
    get bytes() {
      inflated ??= inflateMember(deflated);
      return inflated;
    },
  };
}

export async function readEml(
  locator: Locator,
  chunks: AsyncIterable<Buffer>,
): Promise<MessageEntry | SkippedEntry | ErrorEntry> {
  let bytes: Buffer;
  try {
    bytes = await collect(chunks, MAX_MESSAGE_BYTES);
  } catch (error) {
    return { kind: 'error', locator, reason: describeError(error) };
  }
  if (!bytes.subarray(0, ENVELOPE.length).equals(ENVELOPE)) return { kind: 'message', locator, bytes };
  const lineEnd = bytes.indexOf(0x0a);
  const message = lineEnd === -1 ? Buffer.alloc(0) : bytes.subarray(lineEnd + 1);
  if (message.length === 0) return { kind: 'skipped', locator, reason: 'empty message (only a "From " line)' };
  return { kind: 'message', locator, ...mboxReadings(message) };
}
