/**
 * The sort keys of sorted listings in DynamoDB (table-design.ts "Sorted listings"): each listed entry (a message
 * or an unreadable entry) carries one attribute per sort, a string whose UTF-8 byte order, DynamoDB's order of
 * sort keys, is the listing's order: the line's sort key (sorted-listing.ts sortKeyOf, what SQLite sorts by
 * too), then its locator key.
 *
 *   <value, escaped> U+0001 <locator key>
 *
 * - The value is sortKeyOf's: the Date field, the sender address, the Subject with ASCII letters folded, or the
 *   verdict's place in VERDICTS (one digit); a missing field is '', so it comes first ascending and last
 *   descending, as in SQLite.
 * - U+0001 ends the value, and sorts below every character an escaped value holds: a value that is the start of
 *   another ("Re" and "Re: x") sorts first, as a string comparison puts it. The three lowest characters a value
 *   could hold (U+0000 to U+0002: a Subject decoded from "=00") are written as two, U+0002 then U+0002 to U+0004,
 *   which keeps their order among themselves and below U+0003 (and leaves U+0000 out of the key).
 * - Bounded to MAX_SORT_KEY_BYTES: the value keeps its first VALUE_PREFIX_CHARACTERS characters (code points, at
 *   most 4 UTF-8 bytes each, 2 when escaped: ≤ 800 bytes), and the locator key whatever room is left (≥ 223
 *   bytes), shortened as a table key is (dynamo-keys.ts boundedKey) beyond it. Cutting at a number of code
 *   points, never bytes, keeps the order: two values that differ within their first 200 characters compare as
 *   their prefixes do, and a cut at a byte count moved back to a character boundary would not (a two-byte "é"
 *   dropped where a one-byte "z" is kept would sort "…é" before "…z"). Values equal over their first 200
 *   characters tie, and order by locator (SQLite orders them by the rest of the value): only subjects or
 *   senders that long differ between the stores. Locator keys longer than the room left order by their first
 *   bytes, then a hash, as the table's own keys over 1 KB do.
 */
import type { MessageListing, MessageSort, MessageSortField } from '../../ports/verdict-store.ts';
import { sortedCursorAfter, sortedPositionOf, sortKeyOf } from '../../pipeline/sorted-listing.ts';
import { BadCursorError } from '../../ports/verdict-store.ts';
import { boundedKey } from './dynamo-keys.ts';
import { MAX_SORT_KEY_BYTES, SORTED_LISTINGS } from './table-design.ts';

/** Characters (code points) of a value a sort key keeps. */
export const VALUE_PREFIX_CHARACTERS = 200;

const END_OF_VALUE = '\u0001';
const ESCAPE = '\u0002';
/** U+0000–U+0002 in a value: escaped, each as ESCAPE and the character 2 above it. */
const LOW_CHARACTERS = /[\u0000-\u0002]/g;

function escapeValue(value: string): string {
  return value.replace(LOW_CHARACTERS, (low) => ESCAPE + String.fromCharCode(low.charCodeAt(0) + 2));
}

function unescapeValue(escaped: string): string {
  return escaped.replace(/\u0002([\u0002-\u0004])/g, (_, low: string) => String.fromCharCode(low.charCodeAt(0) - 2));
}

/** The first VALUE_PREFIX_CHARACTERS code points of a value (never half of a surrogate pair). */
function valuePrefix(value: string): string {
  if (value.length <= VALUE_PREFIX_CHARACTERS) return value;
  return Array.from(value).slice(0, VALUE_PREFIX_CHARACTERS).join('');
}

/** The sort key of a line under a sort: its value prefix, escaped, the end mark, its locator key (bounded). */
export function sortKeyAttribute(value: string | number, locator: string): string {
  const escaped = escapeValue(typeof value === 'number' ? String(value) : valuePrefix(value));
  const room = MAX_SORT_KEY_BYTES - Buffer.byteLength(escaped) - END_OF_VALUE.length;
  return `${escaped}${END_OF_VALUE}${boundedKey(locator, room)}`;
}

/** The attributes of a listed entry's item that place it in every sorted listing (one per sort field). */
export function sortKeyAttributes(line: Pick<MessageListing, 'date' | 'sender' | 'subject' | 'verdict'>, locator: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [by, index] of Object.entries(SORTED_LISTINGS)) attributes[index.sortKey] = sortKeyAttribute(sortKeyOf(line, by as MessageSortField), locator);
  return attributes;
}

/** The value (a verdict's place as a number) and the locator key (as bounded) a sort key holds. */
function partsOf(attribute: string, by: MessageSortField): { key: string | number; after: string } {
  const end = attribute.indexOf(END_OF_VALUE);
  const value = unescapeValue(attribute.slice(0, end));
  return { key: by === 'verdict' ? Number(value) : value, after: locatorOfSortKey(attribute) };
}

/** The locator key (as bounded) a sort key ends with. */
export function locatorOfSortKey(attribute: string): string {
  return attribute.slice(attribute.indexOf(END_OF_VALUE) + 1);
}

/**
 * The cursor of a sorted page that ended at this sort key: sorted-listing.ts's (the sort, the value, the
 * locator), with the value as the key holds it (its prefix), so it rebuilds the key exactly.
 */
export function sortedCursorOf(sort: MessageSort, attribute: string): string {
  const { key, after } = partsOf(attribute, sort.by);
  return sortedCursorAfter(sort, key, after);
}

/** The sort key a cursor of this sort resumes after; BadCursorError for one of another sort, or not made here. */
export function sortKeyOfCursor(cursor: string, sort: MessageSort): string {
  const { key, after } = sortedPositionOf(cursor, sort);
  if (typeof key === 'number' && !(Number.isInteger(key) && key >= 0 && key <= 9)) throw new BadCursorError();
  const attribute = sortKeyAttribute(key, after);
  // A cursor made here names a key exactly; one whose parts the key would not hold as given was not made here.
  if (sortedCursorOf(sort, attribute) !== cursor) throw new BadCursorError();
  return attribute;
}
