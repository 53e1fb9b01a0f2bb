/**
 * Re-reading stored messages from their dump by locator, without copies and without splitting the dump again:
 * a top-level mbox message is its byte range (the locator holds offset and length), a top-level zip member is
 * found in the zip's central directory (a few ranged reads), and a message inside a nested container is read
 * through the top-level member that holds it. A dump read any other way (a damaged zip) is streamed whole.
 */
import { SpoolBudget } from '../dump/chunks.ts';
import { escapeName, locatorKey, NESTING_MARK, type Locator, type MessageEntry } from '../dump/entry.ts';
import { listMembers } from '../dump/zip.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { readJob } from './read-unit.ts';
import { chooseStrategy } from './split-dump.ts';
import type { WorkJob, WorkUnit } from './work-units.ts';

export interface DumpObject {
  blobs: BlobStore;
  /** The dump's object key. */
  key: string;
  /** The dump's name: the locator path of a dump that is a single file. */
  name: string;
}

/** A unit to read and the locator keys of the stored messages it holds. */
export interface LocatedUnit {
  unit: WorkUnit;
  wanted: string[];
}

/** The units that hold the given messages, in dump order, each with the locators wanted from it. */
export async function locateUnits(dump: DumpObject, locators: readonly Locator[]): Promise<LocatedUnit[]> {
  const { strategy, zipfile } = await chooseStrategy(dump);
  const path = escapeName(dump.name); // a single-file dump's locator path, as the readers name it
  if (strategy === 'mbox-ranges') {
    return [...locators]
      .filter((locator) => locator.offset !== undefined && locator.length !== undefined && locator.path === path)
      .sort((a, b) => a.offset! - b.offset!)
      .map((locator) => ({ unit: { kind: 'mbox-range', path, offset: locator.offset!, length: locator.length! }, wanted: [locatorKey(locator)] }));
  }
  const byTopPath = groupByTopPath(locators);
  if (strategy === 'zip-directory' && zipfile) {
    const located: LocatedUnit[] = [];
    try {
      for await (const { member, headerOffset } of listMembers(zipfile)) {
        const wanted = byTopPath.get(member.name);
        if (wanted) located.push({ unit: { kind: 'zip-member', member, headerOffset }, wanted });
      }
    } finally {
      zipfile.close();
    }
    return located;
  }
  // A single message, or a dump only the streaming readers can read: the whole object is one unit.
  return [{ unit: { kind: 'object', key: dump.key, locator: { path }, as: 'file' }, wanted: locators.map(locatorKey) }];
}

/** Locators grouped by the top-level path that holds them ("a.zip!/b.eml" lies in "a.zip"). */
export function groupByTopPath(locators: readonly Locator[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const locator of locators) {
    const top = locator.path.split(NESTING_MARK)[0]!;
    const group = groups.get(top) ?? [];
    group.push(locatorKey(locator));
    groups.set(top, group);
  }
  return groups;
}

/**
 * Reads the wanted messages of located units from the dump, neighbours with one ranged read as a worker does
 * (on this machine: temp copies of nested zips get a local dump's disk budget, not a Lambda's).
 * Messages the units hold but nobody asked for are passed over.
 */
export async function* readLocated(blobs: BlobStore, key: string, located: readonly LocatedUnit[]): AsyncGenerator<MessageEntry> {
  const job = { dumpId: '', key, jobId: 0, units: located.map((item) => item.unit) };
  yield* readWanted(blobs, job, new Set(located.flatMap((item) => item.wanted)), new SpoolBudget());
}

/** The messages of a job's units whose locator keys are wanted, the units fetched as a worker fetches them. */
export async function* readWanted(blobs: BlobStore, job: WorkJob, wanted: ReadonlySet<string>, spool?: SpoolBudget): AsyncGenerator<MessageEntry> {
  for await (const entry of readJob(blobs, job, spool)) {
    if (entry.kind === 'message' && wanted.has(locatorKey(entry.locator))) yield entry;
  }
}
