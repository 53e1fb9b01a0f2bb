/**
 * Lists a zip file's members in central-directory order (yauzl, lazily: one member at a time) as items for
 * dispatch.ts, or errors. When the central directory cannot be used, falls back to zip-scan.ts.
 */
import type { Readable } from 'node:stream';
import yauzl, { type ZipFile } from 'yauzl';
import type { DumpEntry } from './entry.ts';
import type { DumpItem } from './item.ts';
import { describeError } from './errors.ts';
import { FileRangeReader } from './zip-file-reader.ts';
import { MemberNames, memberToItem, type ZipMember } from './zip-member.ts';
import { scanLocalHeaders } from './zip-scan.ts';

export interface ZipSource {
  /** The zip on disk (the dump's own file, or a temp copy of a zip found inside a zip). */
  filePath: string;
  /** The zip's own locator path, for errors about the archive as a whole. */
  path: string;
  /** Prepended to member names: "" for a top-level zip, "outer.zip!/" for a nested one. */
  prefix: string;
}

export const ZIP_OPEN_OPTIONS: yauzl.Options = {
  lazyEntries: true,
  autoClose: false,
  // Names are decoded below without yauzl's path-safety check: nothing is extracted, and one odd name
  // ("../x.eml") must not make the whole archive unreadable.
  decodeStrings: false,
  // Sizes and CRC-32 are checked per member in zip-member.ts; yauzl's check fails the whole archive instead.
  validateEntrySizes: false,
};

export async function* readZip(zip: ZipSource): AsyncGenerator<DumpItem | DumpEntry> {
  let zipfile: ZipFile;
  const reader = new FileRangeReader(zip.filePath);
  try {
    zipfile = await yauzl.fromRandomAccessReaderPromise(reader, reader.size, ZIP_OPEN_OPTIONS);
  } catch (error) {
    reader.close(() => {});
    yield* scanLocalHeaders(zip, centralDirectoryProblem(error));
    return;
  }
  let read = 0;
  let lastHeaderOffset = -1;
  // Shared with the scan that may take over, so a member keeps the same name whichever way it was found.
  const names = new MemberNames();
  try {
    for await (const { member, headerOffset, open, readRaw } of listMembers(zipfile, names, reader)) {
      read++;
      lastHeaderOffset = Math.max(lastHeaderOffset, headerOffset);
      const out = memberToItem(member, zip.prefix, open, undefined, readRaw);
      if (out !== undefined) yield out;
    }
  } catch (error) {
    const damage = `zip damaged: central directory unreadable after ${read} entries (${describeError(error)})`;
    yield* scanLocalHeaders(zip, damage, lastHeaderOffset, names);
  } finally {
    zipfile.close();
  }
}

export interface ListedMember {
  member: ZipMember;
  /** Where the member's local header starts in the zip. */
  headerOffset: number;
  /** Opens the member's stored (still compressed) bytes. */
  open: () => Promise<Readable>;
  /** Reads them whole, in one read (given a FileRangeReader). */
  readRaw?: () => Promise<Buffer>;
}

/**
 * The members of an open zip in central-directory order, as the readers name them (see MemberNames). Throws
 * when the central directory turns out to be damaged part way.
 */
export async function* listMembers(zipfile: ZipFile, names = new MemberNames(), reader?: FileRangeReader): AsyncGenerator<ListedMember> {
  for await (const entry of zipfile.eachEntry()) {
    const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
    const member: ZipMember = {
      name: names.locatorName(name, entry.relativeOffsetOfLocalHeader),
      flags: entry.generalPurposeBitFlag,
      method: entry.compressionMethod,
      crc32: entry.crc32,
      compressedSize: entry.compressedSize,
      uncompressedSize: entry.uncompressedSize,
    };
    const open = () => zipfile.openReadStreamPromise(entry, { decodeFileData: false });
    // Where the data starts is told by the local header, as for `open` (yauzl checks it lies inside the file).
    const readRaw = reader && (async () => reader.readRange((await zipfile.readLocalFileHeaderPromise(entry, { minimal: true })).fileDataStart, entry.compressedSize));
    yield { member, headerOffset: entry.relativeOffsetOfLocalHeader, open, ...(readRaw && { readRaw }) };
  }
}

function centralDirectoryProblem(error: unknown): string {
  const message = describeError(error);
  return /end of central directory record signature not found/i.test(message)
    ? 'zip truncated: central directory missing'
    : `zip damaged: central directory unreadable (${message})`;
}
