/**
 * Bundles the command and its worker thread into dist/ with esbuild: plain JavaScript, one entry file each. Node 22
 * could run the TypeScript sources as they are, but each thread would then load the type stripper and resolve
 * a hundred modules: the bundle starts in 0.26 s instead of 0.43 s and uses 15 MB less per thread.
 * Dependencies stay in node_modules, except those every verifying thread loads for every dump (BUNDLED); the
 * report page's static files are copied beside the bundle. Runs on `npm ci`/`npm install` (prepare), before the
 * tests and the bench.
 */
import { build, type Plugin } from 'esbuild';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Packages bundled with our code (with what they import in turn): the ones each verifying thread loads when it
 * starts. Loaded from node_modules, their few hundred files cost Node's module loader ~0.1 s of CPU per thread
 * (format detection, the CommonJS export lexer, resolution), every run: bundled, ingest takes 3–5% less CPU on the
 * 250 MB bench and reaches its first verdict ~80 ms sooner, for 10–25 MB more peak RSS (which the limit on heap
 * growth in bin/leakproof.js more than takes back). The rest (the AWS SDK, pdf.js, 7-Zip's WebAssembly, the API's
 * router) stay in node_modules: loaded by few commands, or by files of their own.
 */
const BUNDLED = new Set(['libmime', 'iconv-lite', 'encoding-japanese', 'file-type', 'nodemailer', 'tldts']);

/** Leaves a bare import external unless its package is in BUNDLED or it comes from inside node_modules. */
const bundleOnly: Plugin = {
  name: 'bundle-only',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path, importer }) => {
      if (path.startsWith('node:') || importer.includes('/node_modules/')) return undefined;
      const name = path.startsWith('@') ? path.split('/', 2).join('/') : path.split('/', 1)[0]!;
      return BUNDLED.has(name) ? undefined : { path, external: true };
    });
  },
};

/**
 * Bundled packages that load when first called, not when the module that requires them loads: the names each
 * exports that our bundle's code calls, wrapped. encoding-japanese builds its conversion tables as it loads
 * (~40 ms of every verifying thread's start-up, and of the reading thread's), and libmime requires it at the top
 * for the few messages in a Japanese legacy charset. (A wrapper per name, not a Proxy: a module destructured
 * where it is required would load at once.)
 */
const LOADED_WHEN_CALLED: Record<string, string[]> = { 'encoding-japanese': ['convert'] };

const loadWhenCalled: Plugin = {
  name: 'load-when-called',
  setup(build) {
    const names = Object.keys(LOADED_WHEN_CALLED);
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, async ({ path, importer, resolveDir, kind, pluginData }) => {
      if (pluginData === 'real') return undefined;
      const real = await build.resolve(path, { importer, resolveDir, kind, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'load-when-called', pluginData: path };
    });
    build.onLoad({ filter: /.*/, namespace: 'load-when-called' }, ({ path, pluginData }) => ({
      resolveDir: root,
      loader: 'js',
      contents: [
        `let loaded;`,
        `const load = () => (loaded ??= require(${JSON.stringify(path)}));`,
        ...LOADED_WHEN_CALLED[pluginData as string]!.map((name) => `exports.${name} = (...args) => load().${name}(...args);`),
      ].join('\n'),
    }));
  },
};

export async function buildCli(): Promise<void> {
  // Chunk names change with their contents: a stale one left behind would only confuse.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: { cli: 'cli/main.ts', 'verify-worker': 'shared/adapters/local/verify-worker.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    plugins: [bundleOnly, loadWhenCalled],
    // Each command a chunk of its own, loaded when it runs (main.ts imports them lazily): `ingest` does not load
    // the HTTP API's router and schemas.
    splitting: true,
    // A bundled CommonJS package's require('node:…') needs a require in ESM output.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // The report page `leakproof serve` serves: read from report/ beside the bundle (shared/api/report-page.ts).
  cpSync(join(root, 'shared/api/report'), join(root, 'dist/report'), { recursive: true });
}

if (import.meta.main) await buildCli();
