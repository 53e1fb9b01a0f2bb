/**
 * The dump readers' entry point: reads a dump — a folder tree (maildir, .eml files), an mbox, a zip, or a single
 * message — and yields every entry in it, in a deterministic order, holding one message at a time.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { escapeName, type DumpEntry, type ErrorEntry } from './entry.ts';
import { SpoolBudget } from './chunks.ts';
import { expand, readItem } from './dispatch.ts';
import { describeError } from './errors.ts';
import { walkFolder } from './folder.ts';
import { fileItem } from './item.ts';

/**
 * Bad input (the path does not exist, is neither a file nor a directory, or holds nothing readable) makes the
 * iteration throw an Error with a one-line message; anything wrong inside the dump is an error entry instead.
 */
export function readDump(path: string): AsyncIterable<DumpEntry> {
  return failWhenNothingReadable(path, entriesOf(path));
}

async function* entriesOf(path: string): AsyncGenerator<DumpEntry> {
  let stats;
  try {
    stats = await stat(path);
  } catch (error) {
    throw new Error(`cannot open dump ${path}: ${describeError(error)}`);
  }
  // One disk budget for the whole dump's temp copies, whichever file of it they come from.
  if (stats.isDirectory()) yield* expand(walkFolder(path), new SpoolBudget());
  else if (stats.isFile()) yield* readItem(fileItem(path, escapeName(basename(path))), '', new SpoolBudget());
  else throw new Error(`cannot open dump ${path}: not a file or a directory`);
}

/** Leading errors are held back (up to this many) so that a dump with nothing readable can still throw. */
const MAX_HELD_ERRORS = 1000;

async function* failWhenNothingReadable(path: string, entries: AsyncIterable<DumpEntry>): AsyncGenerator<DumpEntry> {
  const held: ErrorEntry[] = [];
  let released = false;
  for await (const entry of entries) {
    if (!released && entry.kind === 'error' && held.length < MAX_HELD_ERRORS) {
      held.push(entry);
      continue;
    }
    if (!released) {
      released = true;
      yield* held;
    }
    yield entry;
  }
  if (released) return;
  const [first] = held;
  if (first === undefined) throw new Error(`nothing to read in ${path}: no files found`);
  const more = held.length > 1 ? ` (and ${held.length - 1} more errors)` : '';
  throw new Error(`nothing readable in ${path}: ${first.locator.path}: ${first.reason}${more}`);
}
