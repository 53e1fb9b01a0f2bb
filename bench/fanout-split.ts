/**
 * npm run bench:fanout [-- --dump PATH --keys PATH] [--size 250m] [--format zip|mbox]
 *
 * The AWS pipeline's core on one machine, over a folder blob store (no network: what S3 adds is latency per
 * request, counted here as requests): how fast the splitter turns a dump into jobs and how many bytes it reads,
 * against streaming the whole dump once (the baseline, measured in the same run); then how fast one thread
 * verifies those jobs (a worker Lambda has one vCPU) against the local readers verifying the same dump on one
 * thread (verify and decode the display headers, as a worker does). Peak RSS of this process at the end.
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FileBlobStore } from '../shared/adapters/local/file-blob-store.ts';
import { readDump } from '../shared/dump/open-dump.ts';
import { JobBatcher } from '../shared/fanout/job-batcher.ts';
import { splitDump } from '../shared/fanout/split-dump.ts';
import { verifyJob } from '../shared/fanout/verify-job.ts';
import type { WorkJob } from '../shared/fanout/work-units.ts';
import { parseByteSize } from '../tools/generator/byte-size.ts';
import { generateDump } from '../tools/generator/generate-dump.ts';
import { importKeyFile } from '../shared/keys/key-import.ts';
import { describeEntry } from '../shared/pipeline/describe-entry.ts';
import { verifyEntry } from '../shared/pipeline/verify-entry.ts';
import type { ArchivedKey, KeyArchive } from '../shared/ports/key-archive.ts';
import type { BlobStore } from '../shared/ports/blob-store.ts';
import { archiveFirstResolver } from '../shared/keys/archive-first-resolver.ts';
import { createVerifier } from '../shared/verify/verify-message.ts';

const { values } = parseArgs({ options: { dump: { type: 'string' }, keys: { type: 'string' }, size: { type: 'string', default: '250m' }, format: { type: 'string', default: 'zip' } } });
const scratch = await mkdtemp(join(tmpdir(), 'leakproof-bench-fanout-'));
try {
  let dumpPath = values.dump === undefined ? undefined : resolve(values.dump);
  let keysPath = values.keys === undefined ? undefined : resolve(values.keys);
  if (dumpPath === undefined) {
    const format = values.format === 'mbox' ? 'mbox' : 'zip';
    console.log(`generating ~${values.size} ${format} dump…`);
    ({ dumpPath, keysPath } = await generateDump({ outDir: scratch, format, targetBytes: parseByteSize(values.size), seed: 'bench-fanout' }));
  }
  const root = join(scratch, 'bucket');
  const key = `uploads/${basename(dumpPath)}`;
  const blobs = new FileBlobStore(root);
  await blobs.put('.keep', Buffer.alloc(0));
  await (await import('node:fs/promises')).mkdir(join(root, 'uploads'), { recursive: true });
  await symlink(dumpPath, join(root, key));
  const { size } = await blobs.head(key);
  const mb = (bytes: number) => bytes / 1e6;

  // Baseline: one streamed pass over the dump.
  let started = performance.now();
  for await (const _ of blobs.stream(key));
  const streamSeconds = (performance.now() - started) / 1000;

  // The splitter, counting what it reads.
  const counting = countingStore(blobs);
  const jobs: WorkJob[] = [];
  const batcher = new JobBatcher('bench', key, async (job) => void jobs.push(job));
  started = performance.now();
  const { strategy } = await splitDump({ blobs: counting.store, key, name: basename(dumpPath), stagingPrefix: 'staging/bench/', emit: (unit) => batcher.add(unit) });
  await batcher.flush();
  const splitSeconds = (performance.now() - started) / 1000;

  // Verification on one thread: the fan-out's jobs against the local readers, with the same keys.
  const archive = memoryArchive();
  if (keysPath) await importKeyFile(keysPath, archive);
  const verifier = createVerifier(archiveFirstResolver({ archive, dns: null, now: () => new Date() }));
  const at = new Date();
  // Each measured twice, alternating, the second round counted: the first pays for JIT warm-up.
  let jobsSeconds = 0;
  let localSeconds = 0;
  let entries = 0;
  let localEntries = 0;
  for (let round = 0; round < 2; round++) {
    started = performance.now();
    entries = 0;
    for (const job of jobs) entries += (await verifyJob(job, { blobs, verifier, at })).records.length;
    jobsSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    localEntries = 0;
    for await (const entry of readDump(dumpPath)) {
      localEntries++;
      if (entry.kind === 'message') await describeEntry(await verifyEntry(entry, verifier, at));
    }
    localSeconds = (performance.now() - started) / 1000;
  }

  const rows = [
    ['stream the dump once (baseline)', `${streamSeconds.toFixed(2)} s`, `${(mb(size) / streamSeconds).toFixed(0)} MB/s`, ''],
    [`split (${strategy}): ${batcher.unitCount} units, ${jobs.length} jobs`, `${splitSeconds.toFixed(2)} s`, `${(mb(size) / splitSeconds).toFixed(0)} MB/s of dump`, `${(streamSeconds / splitSeconds).toFixed(2)}× the baseline; read ${mb(counting.bytes).toFixed(1)} MB in ${counting.reads} ranged reads + ${counting.streams} streams`],
    [`verify the jobs, one thread: ${entries} entries`, `${jobsSeconds.toFixed(2)} s`, `${(mb(size) / jobsSeconds).toFixed(0)} MB/s`, ''],
    [`local readers + verify, one thread: ${localEntries} entries`, `${localSeconds.toFixed(2)} s`, `${(mb(size) / localSeconds).toFixed(0)} MB/s`, `jobs at ${(localSeconds / jobsSeconds).toFixed(2)}× its rate`],
  ];
  console.log(`dump ${basename(dumpPath)}: ${mb(size).toFixed(0)} MB, Node ${process.version}`);
  for (const row of rows) console.log(row[0]!.padEnd(58) + row[1]!.padStart(9) + row[2]!.padStart(20) + '  ' + row[3]);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}

function countingStore(inner: BlobStore) {
  const counts = { bytes: 0, reads: 0, streams: 0 };
  const store: BlobStore = {
    head: (key) => inner.head(key),
    readRange: async (key, start, end) => {
      const bytes = await inner.readRange(key, start, end);
      counts.reads++;
      counts.bytes += bytes.length;
      return bytes;
    },
    async *stream(key, start) {
      counts.streams++;
      for await (const chunk of inner.stream(key, start)) {
        counts.bytes += chunk.length;
        yield chunk;
      }
    },
    put: (key, bytes) => inner.put(key, bytes),
  };
  return Object.assign(counts, { store });
}

/** An in-memory key archive: the benchmark measures verification, not a database. */
function memoryArchive(): KeyArchive {
  const keys = new Map<string, ArchivedKey[]>();
  const id = (domain: string, selector: string) => `${selector.toLowerCase()}._domainkey.${domain.toLowerCase()}`;
  return {
    async find(domain, selector) {
      return keys.get(id(domain, selector)) ?? [];
    },
    async findByDomain(domain) {
      return [...keys.values()].flat().filter((key) => key.domain.toLowerCase() === domain.toLowerCase());
    },
    async record(key) {
      const list = keys.get(id(key.domain, key.selector)) ?? [];
      if (!list.some((k) => k.value === key.value)) list.push(key);
      keys.set(id(key.domain, key.selector), list);
    },
  };
}
