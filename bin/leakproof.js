#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=100
// (A small young generation for the reading thread: it handles every message's buffers once, briefly, and the
// default 16 MB semi-spaces let ~60 MB of them wait for collection. Measured: peak RSS 318 -> 275 MB.
// An old generation that grows at most to twice what was live after a collection, in every thread: V8's own
// factor let the reading thread's heap grow with the dump's length (~34 MB live, up to ~115 MB held on 5 GB), and
// peak RSS with it. Measured, with the dependencies bundled (tools/build.ts): 250 MB 246-260 -> 230-240 MB, 1 GB
// 274-300 -> 269-271 MB, 5 GB 367 -> 295 MB, CPU within the runs' spread.)
// The leakproof command: the bundle that `npm ci` builds into dist/ (tools/build.ts). From a checkout without it,
// `npm run build` makes it; `npm run dev -- <command>` runs the TypeScript sources directly instead.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

const bundle = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('leakproof: not built yet: run `npm run build` (npm ci does it)\n');
  process.exit(1);
}
// V8's code cache on disk: later runs skip recompiling. It covers this thread only; the worker threads find it
// through the environment, which a worker reads when it starts (measured: ~0.2 s less CPU per worker, most of it
// pdf.js, which every worker that meets a PDF compiled afresh).
const cache = enableCompileCache();
if (cache.directory !== undefined) process.env.NODE_COMPILE_CACHE ??= cache.directory;
await import(bundle.href);
