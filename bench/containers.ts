/**
 * npm run bench:containers [-- --size 250m] [--work DIR]
 *
 * Ingest throughput of the same messages as a zip (the bench corpus `npm run bench` generates), a .7z and a
 * .tar.gz: each archive is made from the zip's extracted files with 7-Zip in WebAssembly (the package the reader
 * uses) and tar-stream + zlib, then ingested by the command as shipped (`leakproof ingest --offline`), one after
 * the other. MB/s is of message bytes, so the rows compare like with like. No JavaScript library writes .pst, so
 * no .pst of the bench corpus can be made: the Outlook row reads the shared corpus's Outlook files instead
 * (../shared/corpus/outlook, when present), in this process.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import sevenZipExport, { type SevenZipModuleFactory } from '7z-wasm';
import tarStream from 'tar-stream';
import { readDump } from '../shared/dump/open-dump.ts';
import { generateDump } from '../tools/generator/generate-dump.ts';
import { runMeasured } from './run-measured.ts';

const REPO = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { size: { type: 'string', default: '250m' }, work: { type: 'string', default: join(REPO, 'bench/out/containers') } } });
const bytes = Number.parseInt(values.size!, 10) * (values.size!.endsWith('g') ? 1e9 : 1e6);
const work = values.work!;
await mkdir(work, { recursive: true });

const dumpDir = join(work, `dump-zip-${values.size}`);
if (!existsSync(join(dumpDir, 'expected.json'))) await generateDump({ outDir: dumpDir, format: 'zip', targetBytes: bytes, seed: 'bench' });
const expected = JSON.parse(await readFile(join(dumpDir, 'expected.json'), 'utf8')) as { dump: string; keys: string; totals: { messages: number; messageBytes: number } };
const zipPath = join(dumpDir, expected.dump);
const keysPath = join(dumpDir, expected.keys);

const sevenZip = await (sevenZipExport as unknown as SevenZipModuleFactory)({ print: () => {}, printErr: () => {} });
sevenZip.FS.mkdir('/host');
sevenZip.FS.mount(sevenZip.NODEFS, { root: '/' }, '/host');
const files = join(work, 'files');
if (!existsSync(files)) sevenZip.callMain(['x', '-y', `-o/host${files}`, `/host${zipPath}`]);
const sevenZipPath = join(work, 'bench.7z');
if (!existsSync(sevenZipPath)) {
  sevenZip.FS.chdir(`/host${files}`);
  sevenZip.callMain(['a', '-t7z', '-mx=5', `/host${sevenZipPath}`, '.']);
}
const tgzPath = join(work, 'bench.tar.gz');
if (!existsSync(tgzPath)) await writeTarGz(files, tgzPath);

const rows: string[] = [];
for (const [label, path] of [['zip', zipPath], ['7z', sevenZipPath], ['tar.gz', tgzPath]] as const) {
  const home = join(work, `home-${label}`);
  await rm(home, { recursive: true, force: true });
  const result = await runMeasured(['bin/leakproof.js', 'ingest', path, '--keys', keysPath, '--offline', '--home', home], { cwd: REPO, scratch: work, label });
  await rm(home, { recursive: true, force: true });
  if (!result.ok) throw new Error(`${label}: ${result.stderrTail}`);
  const size = (await stat(path)).size;
  rows.push(`| ${label} | ${(size / 1e6).toFixed(0)} MB | ${result.seconds.toFixed(1)} s | ${(expected.totals.messageBytes / 1e6 / result.seconds).toFixed(1)} MB/s | ${result.peakRssMb === null ? '?' : Math.round(result.peakRssMb)} MB |`);
}
console.log(`${expected.totals.messages} messages, ${(expected.totals.messageBytes / 1e6).toFixed(0)} MB of mail`);
console.log('| container | on disk | ingest | message MB/s | peak RSS |\n| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);

const outlook = join(REPO, '../shared/corpus/outlook');
if (existsSync(outlook)) {
  for (const part of ['msg', 'pst']) {
    const started = performance.now();
    let items = 0;
    let messageBytes = 0;
    for (let round = 0; round < 20; round++) {
      for await (const entry of readDump(join(outlook, part))) {
        if (!/\.(msg|pst)/.test(entry.locator.path)) continue;
        items++;
        if (entry.kind === 'message') messageBytes += entry.bytes.length;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const onDisk = await sizeOf(join(outlook, part));
    console.log(`Outlook corpus ${part} (read 20 times, readers only): ${items / 20} items, ${(onDisk / 1e6).toFixed(2)} MB on disk, ${((onDisk * 20) / 1e6 / seconds).toFixed(1)} MB/s of file read, ${(messageBytes / 1e6 / seconds).toFixed(1)} MB/s of messages written`);
  }
}

async function writeTarGz(root: string, target: string): Promise<void> {
  const pack = tarStream.pack();
  const done = pipeline(pack, createGzip(), createWriteStream(target));
  for await (const entry of readDump(root)) {
    if (entry.kind !== 'message' && entry.kind !== 'document') continue;
    const data = await readFile(join(root, ...entry.locator.path.split('/')));
    await new Promise<void>((resolve, reject) => pack.entry({ name: entry.locator.path, size: data.length }, data, (error) => (error ? reject(error) : resolve())));
  }
  pack.finalize();
  await done;
}

/** Bytes of the .msg/.pst files under `path`. */
async function sizeOf(path: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(path, { recursive: true })) {
    const info = await stat(join(path, name));
    if (info.isFile() && /\.(msg|pst)$/.test(name)) total += info.size;
  }
  return total;
}
