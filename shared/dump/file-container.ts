/**
 * Containers that need random access (a zip's central directory, 7-Zip's archives, a .pst's b-trees): read in
 * place when the item is a file on disk, else copied to a temp file first, drawing on the dump's spool budget
 * (chunks.ts), and the copy removed afterwards. Also the one nesting bound every container obeys.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spoolToFile, type Peeked, type SpoolBudget } from './chunks.ts';
import { expand, type ResumePoint } from './dispatch.ts';
import { NESTING_MARK, type DumpEntry, type ErrorEntry } from './entry.ts';
import { describeError } from './errors.ts';
import type { DumpItem } from './item.ts';
import { MAX_CONTAINER_DEPTH } from './limits.ts';

/** Where a resumed reading of the container goes on (dispatch.ts ResumePoint, with the container's prefix). */
export type ResumeInside = { prefix: string; inner: string; entries: number };

/** `from` as a point inside the container whose contents are named `prefix…`; undefined unless it is one. */
export function resumeInside(prefix: string, from: ResumePoint | undefined): ResumeInside | undefined {
  return from !== undefined && 'inner' in from ? { prefix, ...from } : undefined;
}

/**
 * The entries of a container that `open` lists from a file: the item's own file, or a temp copy of its bytes
 * (`peeked`) named `copyName`.
 */
export async function* fromFile(
  item: DumpItem,
  peeked: Peeked,
  spool: SpoolBudget,
  copyName: string,
  open: (filePath: string) => AsyncIterable<DumpItem | DumpEntry>,
  from?: ResumeInside,
): AsyncGenerator<DumpEntry> {
  if (item.filePath !== undefined) {
    await peeked.close();
    spool.allowFor(await stat(item.filePath).then((info) => info.size, () => 0)); // unreadable: the reader says so
    yield* expand(open(item.filePath), spool, from);
    return;
  }
  // Named by its kind ("leakproof-zip-…"), so a leftover says what left it.
  const directory = await mkdtemp(join(tmpdir(), `leakproof-${copyName.split('.').pop()}-`));
  try {
    const filePath = join(directory, copyName);
    try {
      await spoolToFile(peeked.chunks, filePath, spool);
    } catch (error) {
      // Say so, then still read what was copied: the complete entries before the damage are worth having.
      // This error is about the member's bytes (located at the member); one about the archive read from the
      // copy is located at its inside (see Locator). A resumed reading gave it before its first member.
      if (from === undefined) yield { kind: 'error', locator: { path: item.path }, reason: describeError(error) };
    }
    yield* expand(open(filePath), spool, from);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * The error entry for a container (`what`: "zip", "tar" …) not opened for lying too deep ("a.zip!/b.zip!/…",
 * gzip layers counted), or undefined.
 */
export function tooDeep(item: DumpItem, what: string): ErrorEntry | undefined {
  const depth = item.path.split(NESTING_MARK).length + (item.layers ?? 0);
  if (depth <= MAX_CONTAINER_DEPTH) return undefined;
  return { kind: 'error', locator: { path: item.path }, reason: `${what} nested more than ${MAX_CONTAINER_DEPTH} deep; not opened` };
}
