/**
 * Altered copies of messages (issue 11 §5): copies of one message (same identity, see messageIdentityOf) are
 * linked to the verified copies in the store, as duplicates when the bytes are the same, else as variants with
 * what differs: displayed header fields, the decoded text (a unified diff, bounded), and the attachments. DKIM's
 * verdict of each copy stays as it is; the link is evidence beside it.
 */
import { createTwoFilesPatch } from 'diff';
import { createHash } from 'node:crypto';
import type { AttachmentRecord, FieldDifference, VariantEvidence } from '../documents/contract.ts';
import { fieldValue, splitMessage } from '../dkim/header-fields.ts';
import { textPartsOf } from '../mime/text-parts.ts';
import type { MessageSource } from '../ports/message-source.ts';
import type { MessageRecord, VerdictStore } from '../ports/verdict-store.ts';
import { locatorKey } from '../dump/entry.ts';
import { messageIdentityOf } from './message-identity.ts';

/** Copies with the same identity looked at, and verified copies compared, per message. */
export const MAX_COPIES_SCANNED = 1_000;
export const MAX_VERIFIED_COPIES = 5;
/**
 * The diff's bounds: the decoded text is already capped (textPartsOf); jsdiff gives up past this many edits or
 * this long (it is O(N·D)), and the patch kept is cut at MAX_DIFF_CHARS.
 */
export const MAX_EDIT_LENGTH = 5_000;
export const DIFF_TIMEOUT_MS = 500;
export const MAX_DIFF_CHARS = 64 * 1024;
/** Header values compared: a To of 10,000 addresses differs, or not, within its first characters shown. */
const MAX_HEADER_CHARS = 2_048;

export interface VariantSources {
  store: VerdictStore;
  /** Where the copies' bytes are read again; without one, no text diff is made (textDiffNote says so). */
  messages?: MessageSource | undefined;
}

/** How a stored message relates to the verified copies of it elsewhere in the store; empty for a verified message. */
export async function variantsOf({ store, messages }: VariantSources, dumpId: string, record: MessageRecord): Promise<VariantEvidence[]> {
  if (record.verdict === 'verified') return [];
  const identity = messageIdentityOf(record);
  if (identity === null) return [];
  const self = locatorKey(record.locator);
  const verified: { dumpId: string; locator: string }[] = [];
  let scanned = 0;
  for await (const copy of store.messagesWithIdentity(identity)) {
    if (++scanned > MAX_COPIES_SCANNED || verified.length >= MAX_VERIFIED_COPIES) break;
    if (copy.verdict === 'verified' && !(copy.dumpId === dumpId && copy.locator === self)) verified.push(copy);
  }
  const variants: VariantEvidence[] = [];
  let ownText: Promise<TextOrNote> | null = null;
  for (const copy of verified) {
    const entry = await store.getEntry(copy.dumpId, copy.locator);
    // The posting only pointed here: the stored record must say verified too.
    if (entry?.kind !== 'message' || entry.verdict !== 'verified') continue;
    const of = { dumpId: copy.dumpId, locator: copy.locator };
    if (entry.sha256 === record.sha256) {
      variants.push({ relation: 'duplicate', of, headerDifferences: [], textDiff: null, textDiffTruncated: false, attachments: { added: [], removed: [], changed: [] } });
      continue;
    }
    ownText ??= storedText(messages, dumpId, record);
    const [mine, theirs] = await Promise.all([ownText, storedText(messages, copy.dumpId, entry)]);
    variants.push({
      relation: 'variant',
      of,
      headerDifferences: headerDifferences(record, entry, mine.bytes, theirs.bytes),
      ...textDifference(mine, theirs),
      attachments: attachmentDifferences(record.attachments, entry.attachments),
    });
  }
  return variants;
}

type TextOrNote = { bytes: Buffer; text: string; truncated: boolean } | { bytes: null; note: string };

/** A stored message's decoded text, from its bytes read again and checked against the SHA-256 stored. */
async function storedText(messages: MessageSource | undefined, dumpId: string, record: MessageRecord): Promise<TextOrNote> {
  if (!messages) return { bytes: null, note: 'this server cannot read the dumps again' };
  let bytes: Buffer | null;
  try {
    bytes = await messages.read(dumpId, locatorKey(record.locator));
  } catch {
    bytes = null;
  }
  if (!bytes) return { bytes: null, note: 'a copy could not be read again from its dump' };
  if (createHash('sha256').update(bytes).digest('hex') !== record.sha256) return { bytes: null, note: 'a dump no longer holds the bytes that were verified' };
  return { bytes, ...textPartsOf(bytes) };
}

function textDifference(mine: TextOrNote, theirs: TextOrNote): Pick<VariantEvidence, 'textDiff' | 'textDiffTruncated' | 'textDiffNote'> {
  if (mine.bytes === null || theirs.bytes === null) return { textDiff: null, textDiffTruncated: false, textDiffNote: mine.bytes === null ? mine.note : (theirs as { note: string }).note };
  if (mine.text === theirs.text) return { textDiff: null, textDiffTruncated: mine.truncated || theirs.truncated, textDiffNote: null };
  const patch = createTwoFilesPatch('verified', 'this copy', theirs.text, mine.text, undefined, undefined, { context: 3, maxEditLength: MAX_EDIT_LENGTH, timeout: DIFF_TIMEOUT_MS });
  if (patch === undefined) return { textDiff: null, textDiffTruncated: true, textDiffNote: 'the texts differ too much to compare within bounds' };
  const cut = patch.length > MAX_DIFF_CHARS;
  return { textDiff: cut ? patch.slice(0, patch.lastIndexOf('\n', MAX_DIFF_CHARS) + 1) : patch, textDiffTruncated: cut || mine.truncated || theirs.truncated, textDiffNote: null };
}

/** The displayed fields that differ (this copy as `document`, the verified one as `carrier`), To and Cc read from the bytes. */
function headerDifferences(mine: MessageRecord, theirs: MessageRecord, myBytes: Buffer | null, theirBytes: Buffer | null): FieldDifference[] {
  const differences: FieldDifference[] = [];
  const differ = (field: string, a: string | null, b: string | null) => {
    if (a !== b) differences.push({ field, document: a, carrier: b });
  };
  differ('from', mine.from, theirs.from);
  differ('date', mine.date, theirs.date);
  differ('subject', mine.subject, theirs.subject);
  differ('messageId', mine.messageId, theirs.messageId);
  if (myBytes && theirBytes) {
    for (const name of ['to', 'cc']) differ(name, displayedValue(myBytes, name), displayedValue(theirBytes, name));
  }
  return differences;
}

/** The bottom-most instance of a field (the one a signature covers first, and that is shown), unfolded, capped. */
function displayedValue(message: Buffer, name: string): string | null {
  const field = splitMessage(message).fields.findLast((candidate) => candidate.key === name);
  return field ? fieldValue({ ...field, raw: field.raw.subarray(0, field.colon + 1 + MAX_HEADER_CHARS) }).trim() : null;
}

/**
 * Attachments matched by name (case-insensitive) first, then by bytes: a name in both with other bytes is
 * changed; what is left unmatched is added (only this copy has it) or removed (only the verified one has it).
 */
export function attachmentDifferences(mine: readonly AttachmentRecord[], verified: readonly AttachmentRecord[]): VariantEvidence['attachments'] {
  const theirs = [...verified];
  const take = (match: (item: AttachmentRecord) => boolean) => {
    const at = theirs.findIndex(match);
    return at === -1 ? null : theirs.splice(at, 1)[0]!;
  };
  const result: VariantEvidence['attachments'] = { added: [], removed: [], changed: [] };
  const unmatched: AttachmentRecord[] = [];
  const nameOf = (item: AttachmentRecord) => item.name?.toLowerCase() ?? null;
  for (const item of mine) {
    const sameName = nameOf(item) !== null ? take((other) => nameOf(other) === nameOf(item) && other.sha256 === item.sha256) ?? take((other) => nameOf(other) === nameOf(item)) : null;
    if (sameName) {
      if (sameName.sha256 !== item.sha256) result.changed.push({ name: item.name, sha256: item.sha256, verifiedSha256: sameName.sha256 });
    } else unmatched.push(item);
  }
  for (const item of unmatched) if (!take((other) => other.sha256 === item.sha256)) result.added.push({ name: item.name, sha256: item.sha256 });
  result.removed = theirs.map((item) => ({ name: item.name, sha256: item.sha256 }));
  return result;
}
