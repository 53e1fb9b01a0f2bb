/**
 * Decides what each item of a dump is (classify.ts) and hands it to its reader; containers found inside are read
 * the same way, recursively. Every item ends as at least one entry: message(s), document, skipped, or error.
 */
import { NESTING_MARK, type DumpEntry, type Locator } from './entry.ts';
import type { DumpItem } from './item.ts';
import { classify, junkReason, SNIFF_BYTES } from './classify.ts';
import { dropBytes, peek, SpoolBudget, type Peeked } from './chunks.ts';
import { readArchive, readOutlook } from './containers.ts';
import { deferredEml, ENVELOPE, readEml } from './eml.ts';
import { readDocument } from './document.ts';
import { describeError } from './errors.ts';
import { fromFile, resumeInside, tooDeep, type ResumeInside } from './file-container.ts';
import { readMbox } from './mbox.ts';
import { readZip } from './zip.ts';
import { inflatedHead } from './zip-member.ts';

/**
 * Where reading a container can start again, taken from the last entry an earlier reading gave (see
 * resumePointAfter): in a zip, after `entries` entries of its member `inner` (earlier members are passed over
 * unread); in an mbox, at byte `offset`, the start of the next record (the bytes before are inflated again, since
 * a deflate stream cannot be entered in the middle, but not parsed). One level deep: a member that is itself a
 * container is read again from its start, its first `entries` entries passed over.
 */
export type ResumePoint = { inner: string; entries: number } | { offset: number };

/**
 * The point just after `entry`, an entry of the container at `containerPath`, given the point after the entry
 * before it (undefined: none yet); an entry about the container itself leaves the point where it was.
 */
export function resumePointAfter(containerPath: string, entry: DumpEntry, previous: ResumePoint | undefined): ResumePoint | undefined {
  const { path, offset, length } = entry.locator;
  if (path === containerPath) return offset !== undefined && length !== undefined ? { offset: offset + length } : previous;
  const prefix = containerPath + NESTING_MARK;
  if (!path.startsWith(prefix)) return previous;
  const inner = innerName(path, prefix);
  return { inner, entries: previous && 'inner' in previous && previous.inner === inner ? previous.entries + 1 : 1 };
}

/** The name of the container's own member that holds `path` ("a.zip!/b.zip!/c.eml" in "a.zip!/": "b.zip"). */
function innerName(path: string, prefix: string): string {
  return path.slice(prefix.length).split(NESTING_MARK)[0]!;
}

/**
 * Turns a container's listing (items and ready-made entries) into entries; `spool` as for readItem. `from`: the
 * listing's `prefix` and where to start again in it (see ResumePoint).
 */
export async function* expand(
  listing: AsyncIterable<DumpItem | DumpEntry>,
  spool: SpoolBudget,
  from?: { prefix: string; inner: string; entries: number },
): AsyncGenerator<DumpEntry> {
  let passing = from !== undefined;
  for await (const itemOrEntry of listing) {
    const entries = itemOrEntry.kind === 'item' ? readItem(itemOrEntry, undefined, spool) : single(itemOrEntry);
    if (!passing) {
      yield* entries;
      continue;
    }
    const path = itemOrEntry.kind === 'item' ? itemOrEntry.path : itemOrEntry.locator.path;
    if (innerName(path, from!.prefix) !== from!.inner) continue; // read before: passed over unopened
    passing = false;
    let done = from!.entries;
    for await (const entry of entries) if (done-- <= 0) yield entry;
  }
}

async function* single(entry: DumpEntry): AsyncGenerator<DumpEntry> {
  yield entry;
}

/**
 * `contentsPrefix` is prepended to the paths of what the item contains if it is a zip: "<its path>!/" when
 * nested, "" for the dump's own file (a top-level zip's entries are named as in the zip). `spool` is the disk
 * the temp copies of zips found inside (at any depth) may take: one budget for a whole dump.
 */
export async function* readItem(
  item: DumpItem,
  contentsPrefix = item.path + NESTING_MARK,
  spool = new SpoolBudget(),
  from?: ResumePoint,
): AsyncGenerator<DumpEntry> {
  const locator: Locator = { path: item.path };
  const junk = junkReason(item.path);
  if (junk !== undefined) {
    yield { kind: 'skipped', locator, reason: junk };
    return;
  }
  if (item.deflated) {
    const deferred = await readDeferred(item, locator);
    if (deferred) {
      yield deferred;
      return;
    }
  }
  let peeked: Peeked;
  try {
    peeked = await peek(item.read(), SNIFF_BYTES);
  } catch (error) {
    yield { kind: 'error', locator, reason: describeError(error) };
    return;
  }
  try {
    const what = classify(item.typeName ?? item.path, peeked.head);
    switch (what.kind) {
      case 'skipped':
        await peeked.close();
        yield { kind: 'skipped', locator, reason: what.reason };
        return;
      case 'unreadable':
        await peeked.close();
        yield { kind: 'error', locator, reason: what.reason };
        return;
      case 'message':
        yield await readEml(locator, peeked.chunks);
        return;
      case 'document':
        yield await readDocument(locator, peeked.chunks);
        return;
      case 'mbox':
        yield* from !== undefined && 'offset' in from ? readMbox(item.path, dropBytes(peeked.chunks, from.offset), from.offset) : readMbox(item.path, peeked.chunks);
        return;
      case 'zip':
        yield* readNestedZip(item, peeked, contentsPrefix, spool, resumeInside(contentsPrefix, from));
        return;
      case 'archive':
        yield* readArchive(what.format, item, peeked, contentsPrefix, spool, from);
        return;
      case 'outlook':
        yield* readOutlook(what.format, item, peeked, contentsPrefix, spool, from);
        return;
    }
  } finally {
    await peeked.close();
  }
}

/**
 * A deflated zip member that is a message (and not one with an envelope line) is handed on still compressed;
 * anything else (a container, a document, damage) returns undefined and goes the streaming way.
 */
async function readDeferred(item: DumpItem, locator: Locator): Promise<DumpEntry | undefined> {
  let deflated;
  try {
    deflated = await item.deflated!();
  } catch {
    return undefined; // the streaming path reads it again and reports what is wrong
  }
  const head = inflatedHead(deflated, SNIFF_BYTES);
  if (classify(item.path, head).kind !== 'message' || head.subarray(0, ENVELOPE.length).equals(ENVELOPE)) return undefined;
  return deferredEml(locator, deflated);
}

async function* readNestedZip(
  item: DumpItem,
  peeked: Peeked,
  prefix: string,
  spool: SpoolBudget,
  from?: ResumeInside,
): AsyncGenerator<DumpEntry> {
  const deep = tooDeep(item, 'zip');
  if (deep !== undefined) {
    yield deep;
    return;
  }
  // A zip needs random access to its central directory: a zip inside a zip is copied out to a temp file first.
  yield* fromFile(item, peeked, spool, 'nested.zip', (filePath) => readZip({ filePath, path: item.path, prefix }), from);
}
