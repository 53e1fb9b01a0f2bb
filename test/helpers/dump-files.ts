/** Builds dump fixtures on disk at test time (folders, mboxes, zips) and reads dumps back for assertions. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach } from 'vitest';
import yazl from 'yazl';
import type { DumpEntry, MessageEntry } from '../../shared/dump/entry.ts';
import { locatorKey } from '../../shared/dump/entry.ts';
import { readDump } from '../../shared/dump/open-dump.ts';

export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'leakproof-test-'));
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/**
 * Gives each test of the calling file a fresh folder (handed to `onFolder`) with TMPDIR pointed at a `tmp` folder
 * inside it: the readers' temp copies and extractions go there, so other test files running meanwhile (which copy
 * nested containers too) cannot make a leftover appear or vanish. Afterwards TMPDIR is restored and the folder removed.
 */
export function eachTestInOwnTempDir(onFolder: (dir: string) => void): void {
  const systemTmp = process.env.TMPDIR;
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await makeTempDir();
    process.env.TMPDIR = join(dir, 'tmp');
    await mkdir(process.env.TMPDIR);
    onFolder(dir);
  });
  afterEach(async () => {
    if (systemTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = systemTmp;
    if (dir !== undefined) await removeDir(dir);
  });
}

/** Writes files under `root`; keys are '/'-separated relative paths. */
export async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

export interface ZipMemberSpec {
  name: string;
  data?: string | Buffer;
  /** Deflate (default) or store. */
  compress?: boolean;
  /** Write as a stream: sizes and CRC go to a data descriptor after the data instead of the local header. */
  streamed?: boolean;
  /** An empty directory entry ("name/"). */
  directory?: boolean;
}

export async function buildZip(members: ZipMemberSpec[], options: { zip64?: boolean } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const mtime = new Date('2020-01-01T00:00:00Z');
  for (const member of members) {
    if (member.directory) {
      zip.addEmptyDirectory(member.name, { mtime });
      continue;
    }
    const data = Buffer.isBuffer(member.data) ? member.data : Buffer.from(member.data ?? '', 'latin1');
    const memberOptions = { compress: member.compress ?? true, forceZip64Format: options.zip64 ?? false, mtime };
    if (member.streamed) zip.addReadStream(Readable.from([data]), member.name, memberOptions);
    else zip.addBuffer(data, member.name, memberOptions);
  }
  zip.end({ forceZip64Format: options.zip64 ?? false, comment: '' });
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** An mbox record as writers put it: envelope line, message, blank separator line. */
export function mboxRecord(message: Buffer | string, eol: '\n' | '\r\n' = '\n', envelope = 'From alice@example.org Thu Jan  1 00:00:00 1970'): Buffer {
  const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message, 'latin1');
  return Buffer.concat([Buffer.from(envelope + eol, 'latin1'), bytes, Buffer.from(eol, 'latin1')]);
}

export async function readAll(path: string): Promise<DumpEntry[]> {
  const entries: DumpEntry[] = [];
  for await (const entry of readDump(path)) entries.push(entry);
  return entries;
}

export function messages(entries: DumpEntry[]): MessageEntry[] {
  return entries.filter((entry): entry is MessageEntry => entry.kind === 'message');
}

/** One readable line per entry: "message a.eml", "skipped b.pdf: not a message (pdf)", "error c.eml: …". */
export function describe(entries: DumpEntry[]): string[] {
  return entries.map((entry) =>
    entry.kind === 'message' || entry.kind === 'document' ? `${entry.kind} ${locatorKey(entry.locator)}` : `${entry.kind} ${locatorKey(entry.locator)}: ${entry.reason}`,
  );
}

/** The local header offsets of a zip's members, in file order (for cutting or damaging a zip at a known place). */
export function localHeaderOffsets(zip: Buffer): number[] {
  const offsets: number[] = [];
  const signature = Buffer.from('PK\x03\x04', 'latin1');
  for (let at = zip.indexOf(signature); at !== -1; at = zip.indexOf(signature, at + 1)) offsets.push(at);
  return offsets;
}

/** Where a member's data starts, from its local header. */
export function dataStartOf(zip: Buffer, headerOffset: number): number {
  return headerOffset + 30 + zip.readUInt16LE(headerOffset + 26) + zip.readUInt16LE(headerOffset + 28);
}

/** The central directory header offsets of a zip, in order. */
export function centralHeaderOffsets(zip: Buffer): number[] {
  const offsets: number[] = [];
  const signature = Buffer.from('PK\x01\x02', 'latin1');
  for (let at = zip.indexOf(signature); at !== -1; at = zip.indexOf(signature, at + 1)) offsets.push(at);
  return offsets;
}
