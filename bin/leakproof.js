#!/usr/bin/env node
// The leakproof command. Runs the TypeScript sources directly (Node >= 22.18 strips types; the `node`
// devDependency puts such a Node first on PATH for npm scripts and npx).
await import('../shared/cli/main.ts');
