/**
 * The containers besides zip and mbox that dispatch.ts hands on: archives (tar, gzip, 7z, rar, bz2, xz) and
 * Outlook files (.pst/.ost, .msg). Each is listed by its reader and its items read again through dispatch.ts,
 * so containers nest in any order, under the same depth, size and ratio limits.
 */
import { stat } from 'node:fs/promises';
import type { Peeked, SpoolBudget } from './chunks.ts';
import type { ArchiveFormat } from './classify.ts';
import { expand, readItem, type ResumePoint } from './dispatch.ts';
import type { DumpEntry } from './entry.ts';
import { fromFile, resumeInside, tooDeep } from './file-container.ts';
import { gunzippedItem } from './gzip.ts';
import type { DumpItem } from './item.ts';

// The readers of tar, 7z/rar/bz2/xz and Outlook files load when such a file is met (import() below): with
// 7z-wasm, tar-stream, msgreader, pst-extractor and nodemailer's composer they cost ~0.15 s of start-up on every
// run, and most dumps are zips and mailboxes.

export async function* readArchive(
  format: ArchiveFormat,
  item: DumpItem,
  peeked: Peeked,
  contentsPrefix: string,
  spool: SpoolBudget,
  from: ResumePoint | undefined,
): AsyncGenerator<DumpEntry> {
  const deep = tooDeep(item, format);
  if (deep !== undefined) {
    yield deep;
    return;
  }
  switch (format) {
    case 'gzip':
      // Transparent: what it holds keeps its path, and a resume point inside it applies to what it holds.
      yield* readItem(gunzippedItem(item, peeked.chunks), contentsPrefix, spool, from);
      return;
    case 'tar':
      // A tar read in place may hold zips to copy out, as a zip read in place may (chunks.ts SpoolBudget).
      if (item.filePath !== undefined) spool.allowFor(await stat(item.filePath).then((info) => info.size, () => 0));
      const { readTar } = await import('./tar.ts');
      yield* expand(readTar({ path: item.path, prefix: contentsPrefix, chunks: peeked.chunks, inflation: item.inflation }), spool, resumeInside(contentsPrefix, from));
      return;
    default:
      const { readSevenZip } = await import('./seven-zip.ts');
      yield* fromFile(item, peeked, spool, `archive.${format}`, (filePath) => readSevenZip({ filePath, path: item.path, prefix: contentsPrefix }, spool), resumeInside(contentsPrefix, from));
  }
}

/** .pst/.ost need random access (read in place, or copied to a temp file); a .msg is read whole. */
export async function* readOutlook(
  format: 'pst' | 'msg',
  item: DumpItem,
  peeked: Peeked,
  contentsPrefix: string,
  spool: SpoolBudget,
  from: ResumePoint | undefined,
): AsyncGenerator<DumpEntry> {
  if (format === 'msg') {
    const { readMsg } = await import('./outlook/msg.ts');
    yield await readMsg({ path: item.path }, peeked.chunks);
    return;
  }
  const deep = tooDeep(item, 'Outlook data file');
  if (deep !== undefined) {
    yield deep;
    return;
  }
  const { readPst } = await import('./outlook/pst.ts');
  yield* fromFile(item, peeked, spool, 'outlook.pst', (filePath) => readPst({ filePath, path: item.path, prefix: contentsPrefix }), resumeInside(contentsPrefix, from));
}
