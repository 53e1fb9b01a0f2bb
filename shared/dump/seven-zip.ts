/**
 * Archives read through 7-Zip compiled to WebAssembly (7z-wasm: no native binary, so Lambda runs it too): .7z,
 * .rar (RAR4 and RAR5: 7-Zip carries unRAR's decoder), and lone .bz2/.xz files. 7-Zip needs the archive as a file
 * (random access): a nested one is first copied to a temp file under the dump's spool budget (dispatch.ts), then
 * extracted whole, in one pass (a solid archive cannot be entered in the middle), into a temp folder, which is
 * listed like a dumped folder (folder.ts: sorted, links not followed) and removed afterwards.
 *
 * Bounds are enforced while 7-Zip writes: every byte it writes goes through a hook on its file system and draws
 * from the dump's spool budget and from the ratio limit of the archive's size (limits.ts); a write past either
 * fails, 7-Zip stops, and the file being written is an error naming the limit. The members extracted before it
 * are still read. Names are as 7-Zip extracts them (it drops "../" and leading "/"; a second member of a name
 * already extracted becomes "name_1"), escaped as any path is (see Locator).
 *
 * What it costs: the extracted bytes on disk once (temp), plus 7-Zip's working memory in the WebAssembly heap:
 * the dictionary or model its coders declare, which is read from 7-Zip's listing first (coder-memory.ts): an
 * archive declaring more than limits.ts allows is not extracted, and it and each of its members are errors.
 * Listing a 7z whose header is compressed means decoding that header first: its coders are read from the file
 * before 7-Zip opens it (seven-zip-header.ts), and a file that is not a 7z is never opened as one (7-Zip would
 * otherwise find a 7z signature past a rar's or xz's start and open what follows, unchecked).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import sevenZipExport, { type SevenZipModule, type SevenZipModuleFactory } from '7z-wasm';
import type { SpoolBudget } from './chunks.ts';
import { coderMemoryRefusal, declaredCoderMemory } from './coder-memory.ts';
import { escapeName, insideOf, type DumpEntry } from './entry.ts';
import { describeError, oneLine } from './errors.ts';
import { walkFolder } from './folder.ts';
import type { DumpItem } from './item.ts';
import { inflateLimit, MAX_INFLATE_RATIO } from './limits.ts';
import { checkSevenZipHeader } from './seven-zip-header.ts';

export interface ArchiveFile {
  /** The archive on disk (the dump's own file, or a temp copy of one found inside a container). */
  filePath: string;
  /** The archive's own locator path, for errors about it as a whole. */
  path: string;
  /** Prepended to member paths: "" for a top-level archive, "<its path>!/" for a nested one. */
  prefix: string;
}

/** The package is CommonJS: Node gives its module.exports, the factory, as the default export (types say otherwise). */
const createSevenZip = sevenZipExport as unknown as SevenZipModuleFactory;

/** Where the host's file system is mounted inside 7-Zip's (NODEFS): archives and temp folders by absolute path. */
const HOST = '/host';
/** emscripten's errno for "no space left on device", what a write past a limit fails with inside 7-Zip. */
const ENOSPC = 28;

interface Extraction {
  outDir: string;
  written: number;
  ratioLimit: number;
  spool: SpoolBudget;
  /** Why a write was refused, and the file it was for (its path inside the output folder). */
  refused?: { reason: string; file: string };
  output: string[];
}

/** Open as a (checked) 7z only, or as anything but a 7z: given to every 7-Zip command on the archive. */
type TypeSwitch = '-t7z' | '-stx7z';

/** A file or folder as 7-Zip lists it (`l -slt`). */
interface ListedMember {
  /** As 7-Zip gives it, not escaped. */
  path: string;
  /** Its coders and their properties, "LZMA2:24", "BCJ2 LZMA2:26 LZMA:20", "v6:m3:128K"; "" when none. */
  method: string;
  folder: boolean;
}

let sevenZip: Promise<SevenZipModule> | undefined;
/** The extraction under way: 7-Zip runs synchronously, one archive at a time. */
let current: Extraction | undefined;
/** Where a listing's lines go while 7-Zip lists (one line at a time: a listing of many files is never held). */
let listener: ((line: string) => void) | undefined;

/** One 7-Zip per process, loaded on first use (~1.6 MB of WebAssembly, compiled once). */
function loadSevenZip(): Promise<SevenZipModule> {
  sevenZip ??= createSevenZip({
    print: (line: string) => (listener === undefined ? current?.output.push(line) : listener(line)),
    printErr: (line: string) => (listener === undefined ? current?.output.push(line) : listener(line)),
  }).then((module) => {
    module.FS.mkdir(HOST);
    module.FS.mount(module.NODEFS, { root: '/' }, HOST);
    guardWrites(module);
    return module;
  });
  return sevenZip;
}

/** Every write 7-Zip makes to the host's disk passes here first: see the module comment. */
function guardWrites(module: SevenZipModule): void {
  type Write = (this: unknown, stream: { node: unknown }, buffer: unknown, offset: number, length: number, position: number) => number;
  const ops = (module.NODEFS as unknown as { stream_ops: { write: Write } }).stream_ops;
  const write = ops.write;
  ops.write = function guardedWrite(stream, buffer, offset, length, position) {
    const extraction = current;
    const bytes = length;
    if (extraction !== undefined) {
      const refusal = extraction.written + bytes > extraction.ratioLimit
        ? `archive unpacks past ${extraction.ratioLimit} bytes, over ${MAX_INFLATE_RATIO} times its size (a decompression bomb); extracted no further`
        : extraction.spool.take(bytes) < bytes
          ? extraction.spool.exceeded().message
          : undefined;
      if (refusal !== undefined) {
        const file = relative(HOST + extraction.outDir, module.FS.getPath(stream.node as never));
        extraction.refused ??= { reason: refusal, file };
        throw new (module.FS as unknown as { ErrnoError: new (errno: number) => Error }).ErrnoError(ENOSPC);
      }
      extraction.written += bytes;
    }
    return write.call(this, stream, buffer, offset, length, position);
  };
}

export async function* readSevenZip(archive: ArchiveFile, spool: SpoolBudget): AsyncGenerator<DumpItem | DumpEntry> {
  let size: number;
  let module: SevenZipModule;
  let type: TypeSwitch;
  const archivePath = resolve(archive.filePath);
  try {
    size = (await stat(archive.filePath)).size;
    const header = await checkSevenZipHeader(archivePath, size);
    if (header.kind === 'refused') {
      // Nothing can be listed without 7-Zip decoding the header: the archive is one error.
      yield { kind: 'error', locator: insideOf(archive.path), reason: `archive ${header.damaged ? 'damaged' : 'not read'}: ${header.reason}` };
      return;
    }
    // A 7z checked above is opened as nothing else; any other file never as a 7z (see the module comment).
    type = header.kind === 'checked' ? '-t7z' : '-stx7z';
    module = await loadSevenZip();
  } catch (error) {
    yield { kind: 'error', locator: { path: archive.path }, reason: describeError(error) };
    return;
  }
  const refusal = memoryRefusal(module, archivePath, type);
  if (refusal !== undefined) {
    for (const path of notExtracted(module, archivePath, type, new Set())) {
      yield { kind: 'error', locator: { path: archive.prefix + path }, reason: `not extracted: ${refusal}` };
    }
    yield { kind: 'error', locator: insideOf(archive.path), reason: `archive not extracted: ${refusal}` };
    return;
  }
  const outDir = await mkdtemp(join(tmpdir(), 'leakproof-7z-'));
  try {
    const extraction: Extraction = { outDir, written: 0, ratioLimit: inflateLimit(size), spool, output: [] };
    const status = extract(module, extraction, archivePath, type);
    const failures = fileFailures(extraction);
    const membersSaidWhy = failures.size > 0;
    const seen = new Set<string>();
    for await (const found of walkFolder(outDir)) {
      const relativePath = found.kind === 'item' ? found.path : found.locator.path;
      seen.add(relativePath);
      const path = archive.prefix + relativePath;
      const failure = failures.get(relativePath);
      if (failure !== undefined) {
        failures.delete(relativePath);
        yield { kind: 'error', locator: { path }, reason: failure };
      } else if (found.kind === 'item') yield { ...found, path };
      else yield { ...found, locator: { ...found.locator, path } };
    }
    // Members 7-Zip named but never wrote (a damaged header, a wrong password before a byte came out).
    for (const [relativePath, reason] of failures) {
      seen.add(relativePath);
      yield { kind: 'error', locator: { path: archive.prefix + relativePath }, reason };
    }
    const problem = archiveProblem(status, extraction, membersSaidWhy);
    // 7-Zip stops at the first write it cannot make: what it had not reached yet is named, not silently lost.
    if (status !== 0) {
      for (const path of notExtracted(module, archivePath, type, seen)) {
        yield { kind: 'error', locator: { path: archive.prefix + path }, reason: `not extracted: ${problem ?? 'the archive is damaged'}` };
      }
    }
    if (problem !== undefined) yield { kind: 'error', locator: insideOf(archive.path), reason: problem };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/**
 * 7-Zip's command line, run in-process. When 7-Zip exits or aborts, emscripten sets the host's process.exitCode
 * (its `quit_`): an archive 7-Zip could not read would make `leakproof ingest` exit with 1 after a complete run.
 */
function runSevenZip(module: SevenZipModule, args: string[]): unknown {
  const exitCode = process.exitCode;
  try {
    return module.callMain(args) as unknown;
  } finally {
    process.exitCode = exitCode;
  }
}

/** Runs 7-Zip's "x" on the archive into the output folder; its exit status (0 ok, 1 warning, 2 fatal). */
function extract(module: SevenZipModule, extraction: Extraction, archivePath: string, type: TypeSwitch): number {
  current = extraction;
  try {
    // -p: a password that opens nothing, so an encrypted member fails instead of 7-Zip asking on stdin.
    // -aou: a second member of the same name is kept as "name_1", not written over the first.
    const status = runSevenZip(module, ['x', '-y', '-aou', '-bd', '-bb0', '-sccUTF-8', '-pleakproof', type, `-o${HOST}${extraction.outDir}`, '--', HOST + archivePath]);
    return typeof status === 'number' ? status : 0;
  } catch (error) {
    // A WebAssembly abort (out of memory) leaves that instance unusable: the next archive loads a new one.
    sevenZip = undefined;
    // An exception 7-Zip did not catch itself (a header it could not parse) arrives as a bare number.
    extraction.output.push(`ERROR: 7-Zip stopped: ${typeof error === 'number' ? 'an internal error (an exception it did not handle)' : describeError(error)}`);
    return 2;
  } finally {
    current = undefined;
  }
}

/**
 * Why the archive is not extracted for the working memory its coders declare (the largest any member's coders
 * declare together), or undefined. A listing that fails says nothing here: the extraction then reports the damage.
 */
function memoryRefusal(module: SevenZipModule, archivePath: string, type: TypeSwitch): string | undefined {
  let most = { bytes: 0, method: '' };
  listArchive(module, archivePath, type, (member) => {
    const bytes = declaredCoderMemory(member.method);
    if (bytes > most.bytes) most = { bytes, method: member.method };
  });
  return coderMemoryRefusal(most.method);
}

/**
 * Lists the archive (`7z l -slt`), giving each member to `each` as its block of lines ends. A name holding a line
 * break cannot be told from the listing's own lines: such a member is given cut (and so matches no file).
 */
function listArchive(module: SevenZipModule, archivePath: string, type: TypeSwitch, each: (member: ListedMember) => void): void {
  let started = false;
  let member: ListedMember | undefined;
  const end = (): void => {
    if (member !== undefined) each(member);
    member = undefined;
  };
  listener = (line) => {
    if (!started) started = line === '----------';
    else if (line.startsWith('Path = ')) {
      end();
      member = { path: line.slice('Path = '.length), method: '', folder: false };
    } else if (member === undefined) return;
    else if (line.startsWith('Method = ')) member.method = line.slice('Method = '.length);
    else if (line.startsWith('Folder = +') || /^Attributes = D/.test(line)) member.folder = true;
    else if (line === '') end();
  };
  try {
    runSevenZip(module, ['l', '-slt', '-sccUTF-8', '-pleakproof', type, '--', HOST + archivePath]);
  } catch {
    sevenZip = undefined;
  } finally {
    listener = undefined;
  }
  end();
}

/** The files the archive lists that are not in `seen`, as locator paths inside it. */
function notExtracted(module: SevenZipModule, archivePath: string, type: TypeSwitch, seen: Set<string>): string[] {
  const files: string[] = [];
  listArchive(module, archivePath, type, (member) => {
    if (member.folder) return;
    const escaped = member.path.split('/').map(escapeName).join('/');
    if (!seen.has(escaped)) files.push(escaped);
  });
  return files;
}

/** 7-Zip's per-file complaints, "ERROR: Data Error : dir/a.eml", by the file's locator path inside the archive. */
function fileFailures(extraction: Extraction): Map<string, string> {
  const failures = new Map<string, string>();
  for (const line of extraction.output) {
    const match = /^ERROR: (.+?) : (.+)$/.exec(line);
    if (match === null || match[1]!.startsWith('errno=')) continue; // "errno=28 : Invalid argument": a refused write
    const path = match[2]!.split('/').map(escapeName).join('/');
    failures.set(path, `archive member unreadable: ${oneLine(match[1]!)}`);
  }
  if (extraction.refused !== undefined) {
    const path = extraction.refused.file.split('/').map(escapeName).join('/');
    failures.set(path, extraction.refused.reason);
  }
  return failures;
}

/** One line about the archive as a whole when 7-Zip did not end cleanly, else undefined. */
function archiveProblem(status: number, extraction: Extraction, filesSaidWhy: boolean): string | undefined {
  if (status === 0 && extraction.refused === undefined) return undefined;
  if (extraction.refused !== undefined) return `archive not read to its end: ${extraction.refused.reason}`;
  const said = extraction.output
    .map((line) => line.trim())
    .filter((line) => /error|can ?not|unexpected|wrong password|headers/i.test(line))
    .filter((line) => !/^ERROR: .+ : /.test(line) && !/^(Sub items Errors|Archives with Errors|ERRORS:)/.test(line));
  if (said.length === 0 && filesSaidWhy) return undefined; // the members' own errors say it all
  return `archive damaged: ${oneLine(said.join('; ') || `7-Zip ended with status ${status}`)}`;
}

