/**
 * `leakproof serve` as a user runs it, from the bundle: the API and the report page over a store on disk, on
 * 127.0.0.1 at the port asked for, the bearer token from --token or LEAKPROOF_TOKEN or made and printed, stopped
 * by a signal; and what a web page in the user's browser would try against it (THREATS.md, the web attacker).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMessage } from '../../shared/dkim/sign.ts';
import type { ExportRecord } from '../../shared/ports/verdict-store.ts';
import { buildZip } from '../helpers/dump-files.ts';
import { startServe } from '../helpers/leakproof-cli.ts';
import { rsaKey } from '../helpers/keys.ts';
import { buildMessage } from '../helpers/messages.ts';
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
async function serve(args: string[], env: Record<string, string> = {}, homeDir = home.home): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const started = startServe(['--home', homeDir, ...args], env);
  running.push(started.child);
  return { url: await started.listening, child: started.child, stderr: started.stderr };
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

  it('takes --token over the environment', async () => {
    const flagged = await serve(['--port', '0', '--token', 'flag-token'], { LEAKPROOF_TOKEN: 'env-token' });
    expect((await fetch(new URL('dumps', flagged.url), { headers: { authorization: 'Bearer flag-token' } })).status).toBe(200);
    expect((await fetch(new URL('dumps', flagged.url), { headers: { authorization: 'Bearer env-token' } })).status).toBe(401);
    expect(flagged.stderr()).not.toContain('flag-token');
    await stop(flagged.child);
  });

  it('makes a token when given none, a new one each time, and prints the address to open with it in the fragment', async () => {
    const tokens: string[] = [];
    for (let run = 0; run < 2; run++) {
      const { url, child, stderr } = await serve(['--port', '0']);
      const opened = new URL(/open (http:\/\/\S+)/.exec(stderr())![1]!);
      expect(`${opened.origin}/`).toBe(url);
      const token = new URLSearchParams(opened.hash.slice(1)).get('token')!;
      // 32 random bytes, base64url.
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      tokens.push(token);
      expect((await fetch(new URL(`dumps/${SIGNED_DUMP_ID}`, url))).status).toBe(401);
      expect((await fetch(new URL(`dumps/${SIGNED_DUMP_ID}`, url), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      // What a browser asks for when the printed address is opened: the page, without the fragment.
      expect((await fetch(opened)).status).toBe(200);
      await stop(child);
    }
    expect(tokens[0]).not.toBe(tokens[1]);
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

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * A request to the server at `url` with headers fetch will not let a caller set (Host, Origin, Sec-Fetch-Site):
 * what a browser sends on a page's behalf, which is what the server has to judge.
 */
function rawRequest(url: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveResponse, reject) => {
    const request = httpRequest({ host: hostname, port, method, path, headers: { ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolveResponse({ status: response.statusCode!, headers: response.headers, text }));
    });
    request.once('error', reject);
    request.end(body);
  });
}

describe('leakproof serve, against a web page in the user\'s browser', () => {
  const work = mkdtempSync(join(tmpdir(), 'leakproof-serve-attacks-'));
  const attackHome = join(work, 'home');
  const TOKEN = 'the-users-token';
  // Signed with a key the archive lacks: key-unavailable until someone imports it, then verified (the control).
  const rotated = rsaKey(1024);
  const keyLine = JSON.stringify({ domain: 'campaign.example', selector: 'may2017', value: rotated.record });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function leakproof(...args: string[]) {
    const run = spawnSync(process.execPath, [BIN, ...args, '--home', attackHome], { encoding: 'utf8', env: { ...process.env, LEAKPROOF_HOME: '' } });
    expect(run.status, run.stderr).toBe(0);
    return run.stdout;
  }
  const exported = () => leakproof('export').trim().split('\n').map((line) => JSON.parse(line) as ExportRecord);
  const archivedSelectors = (url: string) =>
    fetch(new URL('keys?domain=campaign.example', url), { headers: { authorization: `Bearer ${TOKEN}` } }).then(async (r) => ((await r.json()) as { keys: { selector: string }[] }).keys.map((k) => k.selector));

  it('refuses a rebound Host, another Origin and a form post, even with the token: nothing imported, no verdict changed', async () => {
    const message = signMessage(buildMessage({ messageId: '<1@campaign.example>' }), { domain: 'campaign.example', selector: 'may2017', privateKey: rotated.privateKey });
    writeFileSync(join(work, 'leak.zip'), await buildZip([{ name: 'a.eml', data: message }]));
    leakproof('ingest', join(work, 'leak.zip'), '--offline');
    const before = exported();
    expect(before.map((record) => [record.verdict, ...record.reasons])).toEqual([['unverified', 'key-unavailable']]);
    const dumpId = before[0]!.dump;

    const { url, child } = await serve(['--port', '0', '--offline'], { LEAKPROOF_TOKEN: TOKEN }, attackHome);
    const { host, origin } = new URL(url);
    const port = new URL(url).port;
    const authorised = { authorization: `Bearer ${TOKEN}` };
    const json = { ...authorised, 'content-type': 'application/json' };
    const ndjson = { ...authorised, 'content-type': 'application/x-ndjson' };
    const attacks: [string, string, string, Record<string, string>, string | undefined, number][] = [
      // DNS rebinding: the attacker's name now points at 127.0.0.1, and the page talks to it as its own origin.
      ['rebound Host', 'POST', '/keys', { ...ndjson, host: `evil.example:${port}`, origin: `http://evil.example:${port}` }, keyLine, 421],
      ['rebound Host, no Origin', 'POST', `/dumps/${dumpId}/reverify`, { ...json, host: `evil.example:${port}` }, '', 421],
      ['rebound Host, a read', 'GET', '/dumps', { ...authorised, host: `evil.example:${port}` }, undefined, 421],
      ['Host with another port', 'GET', '/dumps', { ...authorised, host: '127.0.0.1:1' }, undefined, 421],
      // Another site's page fetching this server directly (it would need the token, and a preflight for it).
      ['foreign Origin', 'POST', '/keys', { ...ndjson, origin: 'http://evil.example' }, keyLine, 403],
      ['foreign Origin', 'POST', `/dumps/${dumpId}/reverify`, { ...json, origin: 'http://evil.example' }, '', 403],
      ['opaque Origin', 'POST', '/keys', { ...ndjson, origin: 'null' }, keyLine, 403],
      ['another loopback origin', 'GET', '/dumps', { ...authorised, origin: `http://localhost:${port}` }, undefined, 403],
      ['cross-site fetch metadata', 'GET', '/dumps', { ...authorised, 'sec-fetch-site': 'cross-site' }, undefined, 403],
      // A cross-site form: text/plain needs no preflight (the token is given too, to show the type alone is refused).
      ['text/plain form post', 'POST', '/keys', { ...authorised, 'content-type': 'text/plain' }, keyLine, 415],
      ['url-encoded form post', 'POST', `/dumps/${dumpId}/reverify`, { ...authorised, 'content-type': 'application/x-www-form-urlencoded' }, 'a=b', 415],
    ];
    for (const [name, method, path, headers, body, status] of attacks) {
      const response = await rawRequest(url, method, path, headers, body);
      expect(response.status, `${name}: ${method} ${path}`).toBe(status);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(response.text)).toMatchObject({ type: 'about:blank', status });
    }
    expect(await archivedSelectors(url)).toEqual([]);
    expect(exported()).toEqual(before);

    // The same requests as the user's own page or script makes them go through: this server's Host (by any
    // loopback name), its own Origin or none, JSON. The import then makes the verdict verified.
    expect((await rawRequest(url, 'GET', '/dumps', { ...authorised, host: `localhost:${port}` })).status).toBe(200);
    expect((await rawRequest(url, 'GET', '/dumps', { ...authorised, host: `[::1]:${port}`, origin: `http://[::1]:${port}` })).status).toBe(200);
    expect((await rawRequest(url, 'GET', '/dumps', { ...authorised, host, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await rawRequest(url, 'GET', '/', { host, 'sec-fetch-site': 'none' })).status).toBe(200);
    const imported = await rawRequest(url, 'POST', '/keys', { ...ndjson, host, origin }, keyLine);
    expect(imported.status, imported.text).toBe(200);
    expect(JSON.parse(imported.text)).toMatchObject({ imported: 1, reverification: { affected: 1 } });
    const run = await fetch(new URL(`dumps/${dumpId}/reverify`, url), { method: 'POST', headers: json });
    expect(await run.json()).toMatchObject({ status: 'done', selected: 1, changed: 1 });
    expect(await archivedSelectors(url)).toEqual(['may2017']);
    await stop(child);
    expect(exported().map((record) => record.verdict)).toEqual(['verified']);
  });
});
