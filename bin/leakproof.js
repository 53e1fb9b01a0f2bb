#!/usr/bin/env node
// The leakproof command. Runs the TypeScript sources directly (Node >= 22.18 strips types; the `node`
// devDependency puts such a Node first on PATH for npm scripts and npx).
import { enableCompileCache } from 'node:module';

// V8's code cache on disk: later runs, and the worker threads, skip recompiling the sources.
enableCompileCache();
await import('../shared/cli/main.ts');
