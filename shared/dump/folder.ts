/**
 * Lists a folder tree (plain .eml folders, maildir, or any mix) as items in sorted path order, with an entry for
 * everything that is not a readable file. Paths are made of escaped names (see Locator). Maildir tmp/ holds deliveries in progress: its files are skipped.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { escapeName, type DumpEntry } from './entry.ts';
import { fileItem, type DumpItem } from './item.ts';
import { describeError } from './errors.ts';

export async function* walkFolder(root: string): AsyncGenerator<DumpItem | DumpEntry> {
  yield* walk(root, '', false);
}

async function* walk(directory: string, prefix: string, inMaildirTmp: boolean): AsyncGenerator<DumpItem | DumpEntry> {
  let children: Dirent[];
  try {
    children = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    if (prefix === '') throw new Error(`cannot read directory ${directory}: ${describeError(error)}`);
    yield { kind: 'error', locator: { path: prefix }, reason: `cannot read directory: ${describeError(error)}` };
    return;
  }
  const subdirectories = new Set(children.filter((child) => child.isDirectory()).map((child) => child.name));
  const isMaildir = subdirectories.has('tmp') && (subdirectories.has('cur') || subdirectories.has('new'));
  for (const child of children.sort(byPath)) {
    const path = prefix + escapeName(child.name);
    if (child.isDirectory()) {
      yield* walk(join(directory, child.name), `${path}/`, inMaildirTmp || (isMaildir && child.name === 'tmp'));
    } else if (child.isSymbolicLink()) {
      yield { kind: 'skipped', locator: { path }, reason: 'symbolic link (not followed)' };
    } else if (!child.isFile()) {
      yield { kind: 'skipped', locator: { path }, reason: 'not a regular file' };
    } else if (inMaildirTmp) {
      yield { kind: 'skipped', locator: { path }, reason: 'maildir tmp/ (delivery not finished)' };
    } else {
      yield fileItem(join(directory, child.name), path);
    }
  }
}

/**
 * Orders a directory's children so that the depth-first walk yields full paths in plain string order: a
 * directory sorts as its name plus "/" (so "a.eml" comes before "a/b.eml", as '.' < '/').
 */
function byPath(a: Dirent, b: Dirent): number {
  const keyA = a.isDirectory() ? `${a.name}/` : a.name;
  const keyB = b.isDirectory() ? `${b.name}/` : b.name;
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}
