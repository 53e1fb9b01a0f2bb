/**
 * Runs the `leakproof` command as a user does, from the bundle (bin/leakproof.js; the test run builds dist/ first):
 * one-shot commands to completion, and `leakproof serve` as a process that runs until stopped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const BIN = resolve('bin/leakproof.js');

/** The environment a command sees: this one, without a home or a token from the machine running the tests. */
const quiet = (env: Record<string, string>) => ({ ...process.env, LEAKPROOF_HOME: '', LEAKPROOF_TOKEN: '', ...env });

export function runLeakproof(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: quiet(env) });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export interface ServedHome {
  /** The page's address, as serve prints it ("http://127.0.0.1:<port>/"). */
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface StartedServe {
  child: ChildProcess;
  /** The address serve prints once it listens; rejects if it exits first. */
  listening: Promise<string>;
  /** All it has written to stderr so far. */
  stderr(): string;
}

/** Spawns `leakproof serve <args>` (the child is returned at once, so a caller can stop it even if it never listens). */
export function startServe(args: string[], env: Record<string, string> = {}): StartedServe {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: quiet(env) });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  const listening = new Promise<string>((resolveUrl, reject) => {
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /serving the report and the API at (http:\/\/\S+\/)/.exec(stderr);
      if (match) resolveUrl(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
  return { child, listening, stderr: () => stderr };
}

/** `leakproof serve --port 0 --home <home> --token <token>`, resolved once it says where it listens. */
export async function serveHome(home: string, token: string): Promise<ServedHome> {
  const { child, listening } = startServe(['--port', '0', '--home', home, '--token', token]);
  const url = await listening;
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
