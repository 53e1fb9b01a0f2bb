/**
 * An Outlook message staged by the splitter as an object of its own ('outlook' object units): its bytes and the
 * transport header section Outlook kept (MessageEntry.outlook), which the verifier checks signatures against.
 * Staging the bytes alone would lose it, and the re-built message would then be verified as if it were the one
 * sent. Layout: a 4-byte big-endian length of the transport headers (0xFFFFFFFF: none), those headers, the bytes.
 */
import type { Locator, MessageEntry } from '../dump/entry.ts';

const NO_HEADERS = 0xffffffff;

export function outlookObject(entry: MessageEntry): Buffer {
  const headers = entry.outlook?.transportHeaders ?? null;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headers === null ? NO_HEADERS : headers.length);
  return Buffer.concat([length, headers ?? Buffer.alloc(0), entry.bytes]);
}

export function outlookEntryOf(locator: Locator, object: Buffer): MessageEntry {
  if (object.length < 4) throw new Error('staged Outlook message cut short');
  const length = object.readUInt32BE(0);
  if (length === NO_HEADERS) return { kind: 'message', locator, bytes: object.subarray(4), outlook: { transportHeaders: null } };
  if (4 + length > object.length) throw new Error('staged Outlook message cut short');
  return { kind: 'message', locator, bytes: object.subarray(4 + length), outlook: { transportHeaders: object.subarray(4, 4 + length) } };
}
