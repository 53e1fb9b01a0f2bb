/**
 * `leakproof serve` as a user runs it, from the bundle: the API and the report page over a store on disk, on
 * 127.0.0.1 at the port asked for, the bearer token from --token or LEAKPROOF_TOKEN, stopped by a signal.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededHome } from '../unit/api/api-harness.ts';
import { buildSeed, SIGNED_DUMP_ID } from '../unit/api/seed.ts';

const BIN = resolve('bin/leakproof.js');
let home: Awaited<ReturnType<typeof seededHome>>;
const running: ChildProcess[] = [];

beforeAll(async () => {
  home = await seededHome(await buildSeed());
});
afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  home?.remove();
});

/** Starts `leakproof serve`, resolving with the URL it prints once it listens. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--home', home.home, ...args], { env: { ...process.env, LEAKPROOF_TOKEN: '', ...env } });
  running.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /serving the report and the API at (http:\/\/\S+\/)/.exec(stderr);
      if (match) resolveUrl(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
  return { url, child, stderr: () => stderr };
}

async function stop(child: ChildProcess): Promise<number | null> {
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe('leakproof serve', () => {
  it('serves the page and the API on 127.0.0.1, the token from LEAKPROOF_TOKEN, and stops cleanly on SIGTERM', async () => {
    const { url, child, stderr } = await serve(['--port', '0'], { LEAKPROOF_TOKEN: 'env-token' });
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect(stderr()).toContain('requests need the bearer token');
    expect(stderr()).not.toContain('env-token');
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    expect((await fetch(new URL('dumps', url))).status).toBe(401);
    const dumps = await fetch(new URL('dumps', url), { headers: { authorization: 'Bearer env-token' } });
    expect(dumps.status).toBe(200);
    expect(((await dumps.json()) as { dumps: { id: string }[] }).dumps[0]!.id).toBe(SIGNED_DUMP_ID);
    expect(await stop(child)).toBe(0);
  });

  it('takes --token over the environment, and no token at all when given none', async () => {
    const flagged = await serve(['--port', '0', '--token', 'flag-token'], { LEAKPROOF_TOKEN: 'env-token' });
    expect((await fetch(new URL('dumps', flagged.url), { headers: { authorization: 'Bearer flag-token' } })).status).toBe(200);
    expect((await fetch(new URL('dumps', flagged.url), { headers: { authorization: 'Bearer env-token' } })).status).toBe(401);
    await stop(flagged.child);
    const open = await serve(['--port', '0']);
    expect((await fetch(new URL(`dumps/${SIGNED_DUMP_ID}`, open.url))).status).toBe(200);
    await stop(open.child);
  });

  it('says so in one line when the port is taken or not a port', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    const busy = spawnSync(process.execPath, [BIN, 'serve', '--home', home.home, '--port', String(port)], { encoding: 'utf8' });
    taken.close();
    expect(busy.status).toBe(1);
    expect(busy.stderr.trim()).toBe(`leakproof: port ${port} is in use: pick another with --port`);
    const bad = spawnSync(process.execPath, [BIN, 'serve', '--home', home.home, '--port', '70000'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/^leakproof: .*port number/);
  });
});
