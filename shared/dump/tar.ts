/**
 * Lists a tar stream's members (tar-stream, streamed: nothing is staged, one member at a time) as items for
 * dispatch.ts, or entries: links and devices are skipped, a damaged or cut archive ends with one error about the
 * archive as a whole, located at its inside ("<tar>!/"). A member's name goes into its locator escaped (see
 * Locator), a leading "./" dropped; a name an earlier member already had (tar appends updated copies) gets
 * "@<its ordinal in the archive>".
 */
import tarStream from 'tar-stream';
import { insideOf, type DumpEntry } from './entry.ts';
import { describeError } from './errors.ts';
import type { InflationAllowance } from './inflation.ts';
import type { DumpItem } from './item.ts';
import { MemberNames } from './zip-member.ts';

export interface TarSource {
  /** The tar's own locator path, for errors about the archive as a whole. */
  path: string;
  /** Prepended to member names: "" for a top-level tar, "<its path>!/" for a nested one. */
  prefix: string;
  chunks: AsyncIterable<Buffer>;
  /** The allowance of the compressed stream it came out of (a .tar.gz), handed to its members. */
  inflation?: InflationAllowance;
}

type TarEntry = AsyncIterable<Buffer> & { header: tarStream.Headers; resume(): void };

export async function* readTar(tar: TarSource): AsyncGenerator<DumpItem | DumpEntry> {
  // v7 tars (no "ustar" magic) are still written by some tools: accepted, their header checksum still checked.
  const extract = tarStream.extract({ allowUnknownFormat: true });
  const feeding = feed(tar.chunks, extract);
  const names = new MemberNames();
  let ordinal = 0;
  try {
    for await (const member of extract as AsyncIterable<TarEntry>) {
      const at = ordinal++;
      const out = memberOf(member, tar, names, at);
      if (out !== undefined) yield out;
      // Whatever the reader left unread is passed over (not destroyed: that would end the whole archive).
      member.resume();
    }
    await feeding;
  } catch (error) {
    yield { kind: 'error', locator: insideOf(tar.path), reason: `tar damaged after ${ordinal} members: ${describeError(error)}` };
  } finally {
    extract.destroy();
  }
}

function memberOf(member: TarEntry, tar: TarSource, names: MemberNames, ordinal: number): DumpItem | DumpEntry | undefined {
  const { header } = member;
  const name = header.name.replace(/^(\.\/)+/, '');
  if (header.type === 'directory' || name === '' || name === '.') return undefined;
  const path = tar.prefix + names.locatorName(name, ordinal);
  if (header.type !== 'file' && header.type !== 'contiguous-file') {
    const what = header.type === 'symlink' || header.type === 'link' ? 'link (not followed)' : `${header.type ?? 'unknown'} entry (not a regular file)`;
    return { kind: 'skipped', locator: { path }, reason: `tar ${what}` };
  }
  let taken = false;
  return {
    kind: 'item',
    path,
    inflation: tar.inflation,
    read: () => {
      if (taken) throw new Error('tar member read twice');
      taken = true;
      return entryData(member);
    },
  };
}

/**
 * A member's bytes. Its iterator is never returned early: a reader that stops (a skipped or sniffed member)
 * leaves the rest to be passed over, since closing a tar-stream entry destroys its archive.
 */
async function* entryData(member: TarEntry): AsyncGenerator<Buffer> {
  const iterator = member[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await iterator.next();
    } catch {
      // tar-stream says only that the entry was destroyed; why (a cut or damaged archive) is the archive's error.
      throw new Error('tar member cut short (the archive is damaged or incomplete)');
    }
    if (next.done) return;
    yield next.value;
  }
}

/** Waits until the parser takes more, or is gone (a reader that stopped early destroys it). */
function drainedOrClosed(extract: tarStream.Extract): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      extract.off('drain', done);
      extract.off('close', done);
      resolve();
    };
    extract.on('drain', done);
    extract.on('close', done);
  });
}

/** Writes the archive's bytes into the parser with back-pressure; a source that fails fails the parser. */
async function feed(chunks: AsyncIterable<Buffer>, extract: tarStream.Extract): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (extract.destroyed) return;
      if (!extract.write(chunk)) await drainedOrClosed(extract);
    }
    extract.end();
  } catch (error) {
    extract.destroy(error as Error);
  }
}
