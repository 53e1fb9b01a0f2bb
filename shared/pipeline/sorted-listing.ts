/**
 * A listing sorted by a column (MessageQuery.sort): what each line sorts by, and the cursor, which holds the sort
 * and the sort key of the line a page ended on beside its locator, so the next page starts exactly after that
 * (key, locator) whatever ties the key has. Every store sorts by these same keys.
 */
import { BadCursorError, type MessageListing, type MessageSort, type MessageSortField } from '../ports/verdict-store.ts';
import { VERDICTS } from '../verdict/contract.ts';

export type SortKey = string | number;

/** The text a sort names: "date", or "-date" for descending. */
export function sortName(sort: MessageSort): string {
  return `${sort.descending ? '-' : ''}${sort.by}`;
}

/**
 * A line's sort key. Missing values sort as '' (first ascending, last descending). Subjects fold ASCII letters
 * only (what SQLite's lower() does); the sender is already lower-case; verdicts sort in VERDICTS order.
 */
export function sortKeyOf(line: Pick<MessageListing, 'date' | 'sender' | 'subject' | 'verdict'>, by: MessageSortField): SortKey {
  switch (by) {
    case 'date':
      return line.date ?? '';
    case 'from':
      return line.sender ?? '';
    case 'subject':
      return (line.subject ?? '').replace(/[A-Z]/g, (letter) => letter.toLowerCase());
    case 'verdict':
      return VERDICTS.indexOf(line.verdict);
  }
}

/** The cursor of a sorted page that ended on `line`. */
export function sortedCursorAfter(sort: MessageSort, key: SortKey, locator: string): string {
  return Buffer.from(JSON.stringify({ after: locator, sort: sortName(sort), key })).toString('base64url');
}

/** Where a sorted listing resumes; BadCursorError for a cursor sortedCursorAfter did not make for this sort. */
export function sortedPositionOf(cursor: string, sort: MessageSort): { key: SortKey; after: string } {
  let parsed: { after?: unknown; sort?: unknown; key?: unknown } | null;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw new BadCursorError();
  }
  const { after, key } = parsed ?? {};
  const keyFits = sort.by === 'verdict' ? Number.isInteger(key) : typeof key === 'string';
  if (typeof after !== 'string' || after === '' || !keyFits || sortedCursorAfter(sort, key as SortKey, after) !== cursor) throw new BadCursorError();
  return { key: key as SortKey, after };
}
