/**
 * The report page signing in as it does in AWS, in headless Chromium, against a real OpenID Connect server:
 * oidc-provider, started here on loopback with the page's client registered as Cognito's is (public: no secret;
 * authorisation-code flow; PKCE required) and JWT access tokens carrying the API's scopes. API Gateway cannot run
 * here, so its JWT authoriser is emulated by a test-only host (test/helpers/jwt-authoriser.ts: `jose` checks each
 * token's signature against the provider's JWKS, its issuer, audience and per-route scope) in front of the same
 * router the API function serves, told how the page signs in as the stack tells the function (GET /auth-config).
 *
 * The page finds no token, is told how to sign in, leaves for the provider with an S256 challenge and a state,
 * signs in, comes back with a code, exchanges it with fetch, keeps the token in sessionStorage (never in the
 * address bar) and lists the dump through the authoriser. Then the attacks: a read token cannot write, a token
 * from another key or for another audience is refused, a code delivered with a state this tab never sent is not
 * exchanged. Without Debian's chromium it skips, saying so.
 */
import { CHROMIUM, chromiumAvailable, launchChromium } from '../helpers/chromium.ts';
import { serve } from '@hono/node-server';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Provider, { errors } from 'oidc-provider';
import { type Browser, type Page, type Request as BrowserRequest } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalHome, type LocalHome } from '../../shared/adapters/local/local-home.ts';
import { createApi } from '../../shared/api/create-api.ts';
import type { PageSignIn } from '../../shared/api/report-page.ts';
import type { Reverifier } from '../../shared/ports/reverifier.ts';
import { startJwtGateway, type RunningGateway } from '../helpers/jwt-authoriser.ts';
import { dumpInput, messageEntry, sha256Of } from '../helpers/store-records.ts';

const DUMP_ID = sha256Of('sign-in-dump');
const CLIENT_ID = 'leakproof-report-page';
/** The API, as a resource server: the audience its tokens are for. */
const AUDIENCE = 'https://api.leakproof.test';
const SCOPES = { read: 'leakproof/read', write: 'leakproof/write' };

interface ListeningProvider {
  issuer: string;
  setHandler(handler: (request: IncomingMessage, response: ServerResponse) => void): void;
  close(): Promise<void>;
}

/** An HTTP server on loopback whose handler is given later: the provider's issuer URL must name its port. */
async function listenForProvider(): Promise<ListeningProvider> {
  let handler: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => response.writeHead(503).end();
  return new Promise((resolve) => {
    const server = serve({ fetch: () => new Response(null, { status: 500 }), hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      resolve({
        issuer: `http://127.0.0.1:${info.port}`,
        setHandler: (next) => (handler = next),
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          if ('closeAllConnections' in server) server.closeAllConnections();
        }),
      });
    });
    // Requests go to the provider's own Node handler (a Koa app), not through Hono.
    server.removeAllListeners('request');
    server.on('request', (request: IncomingMessage, response: ServerResponse) => handler(request, response));
  });
}

/**
 * oidc-provider with one client, the page's: public, code flow, redirecting to the page; PKCE is required of public
 * clients (oidc-provider's default, checked below). Its access tokens for the API are JWTs (resource indicators:
 * the API is the default resource) carrying the granted scopes. Anyone signs in (its development login form),
 * which is what a test needs: the flow, not the accounts.
 */
async function startProvider(listening: ListeningProvider, pageUrl: string): Promise<void> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const provider = new Provider(listening.issuer, {
    clients: [{ client_id: CLIENT_ID, token_endpoint_auth_method: 'none', redirect_uris: [pageUrl], response_types: ['code'], grant_types: ['authorization_code'] }],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['sign-in-test-cookie-key'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 3600, AuthorizationCode: 60 },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => AUDIENCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== AUDIENCE) throw new errors.InvalidTarget();
          return { scope: `${SCOPES.read} ${SCOPES.write}`, audience: AUDIENCE, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris!.some((uri) => new URL(uri).origin === origin),
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  });
  listening.setHandler(provider.callback());
}

interface Stack {
  gateway: RunningGateway;
  provider: ListeningProvider;
  signIn: PageSignIn;
  close(): Promise<void>;
}

async function startStack(): Promise<Stack> {
  const home = mkdtempSync(join(tmpdir(), 'leakproof-sign-in-'));
  const local: LocalHome = openLocalHome(home);
  await local.store.openDump(dumpInput(DUMP_ID, { name: 'signed-in-leak.zip' }), new Date('2025-03-01T12:00:00.000Z'));
  await local.store.putEntries(DUMP_ID, [messageEntry('inbox/1.eml', { signedBy: ['example.test'] }), messageEntry('inbox/2.eml', { verdict: 'unverified', reasons: ['no-signature'] })]);
  await local.store.setStatus(DUMP_ID, 'complete', new Date('2025-03-01T12:05:00.000Z'));
  const reverifier: Reverifier = {
    reverifyDump: async (dumpId) => ({ dumpId, status: 'done', selected: 0, changed: 0 }),
    keysImported: async () => ({ affected: 0, dumps: [], queued: false }),
  };

  const provider = await listenForProvider();
  const gateway = await startJwtGateway({ issuer: provider.issuer, jwksUri: `${provider.issuer}/jwks`, audience: [AUDIENCE], scopes: SCOPES });
  await startProvider(provider, gateway.url);
  // What the stack tells the API function for Cognito, here for the provider.
  const signIn: PageSignIn = { issuer: provider.issuer, clientId: CLIENT_ID, authorizationEndpoint: `${provider.issuer}/auth`, tokenEndpoint: `${provider.issuer}/token`, scopes: [SCOPES.read] };
  const router = createApi({ store: local.store, keys: local.archive, reverifier, signIn });
  gateway.setTarget((request) => router.fetch(request));
  return {
    gateway,
    provider,
    signIn,
    async close() {
      await gateway.close();
      await provider.close();
      local.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

describe.skipIf(!chromiumAvailable)('the report page signing in (authorisation code with PKCE) in headless Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  const requests: BrowserRequest[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('request', (request) => requests.push(request));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('signs in with the code flow and PKCE, keeps the token out of the address bar, and lists the dump through the authoriser', async () => {
    await page.goto(`${stack.gateway.url}#dump=${DUMP_ID}`);
    // No token: the API refuses, the page is told how to sign in and goes to the provider.
    await page.waitForURL((url) => url.href.startsWith(`${stack.provider.issuer}/interaction/`));
    await page.locator('input[name="login"]').fill('reporter@newsroom.test');
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.href.startsWith(stack.gateway.url));
    await expect.poll(() => page.locator('#dump-name').innerText()).toBe('signed-in-leak.zip');
    // The listing loads after the summary: wait for its rows before reading what the authoriser saw.
    await expect.poll(() => page.locator('#messages tbody tr').count()).toBe(2);

    // The authorisation request: this client, back to the page, the read scope, an S256 challenge and a state.
    const authorize = new URL(requests.find((request) => request.url().startsWith(stack.signIn.authorizationEndpoint))!.url());
    const asked = Object.fromEntries(authorize.searchParams);
    expect(asked).toMatchObject({ response_type: 'code', client_id: CLIENT_ID, redirect_uri: stack.gateway.url, scope: SCOPES.read, code_challenge_method: 'S256' });
    expect(asked.state).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // The token request: the code with the verifier whose SHA-256 was the challenge, from the page, by fetch.
    const exchange = requests.find((request) => request.url() === stack.signIn.tokenEndpoint && request.method() === 'POST')!;
    const sent = Object.fromEntries(new URLSearchParams(exchange.postData() ?? ''));
    expect(sent).toMatchObject({ grant_type: 'authorization_code', client_id: CLIENT_ID, redirect_uri: stack.gateway.url, code: expect.any(String) });
    expect(sent.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(base64url(createHash('sha256').update(sent.code_verifier!).digest())).toBe(asked.code_challenge);
    expect(exchange.resourceType()).toBe('fetch');
    expect(sent).not.toHaveProperty('client_secret');

    // Back on the page: neither the code nor the state in the address bar, the dump shown restored, the token in
    // this tab's sessionStorage — an access token for the API, with the read scope only.
    const address = new URL(page.url());
    expect(address.search).toBe('');
    expect(address.hash).toBe(`#dump=${DUMP_ID}`);
    const token = (await page.evaluate(() => sessionStorage.getItem('leakproof-token')))!;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ iss: stack.provider.issuer, aud: AUDIENCE, client_id: CLIENT_ID, scope: SCOPES.read, sub: 'reporter@newsroom.test' });
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate('document.cookie')).toBe('');

    // The authoriser refused the first call (the page's plain sentences), then passed every data call on with the read scope.
    const data = stack.gateway.calls.filter((call) => call.route === 'GET /explanations' || call.route === 'GET /dumps');
    expect(data[0]).toEqual({ route: 'GET /explanations', status: 401, scope: SCOPES.read });
    expect(data.filter((call) => call.status !== 401).map((call) => call.route)).toEqual(['GET /explanations', 'GET /dumps']);
    expect(data.at(-1)).toEqual({ route: 'GET /dumps', status: 200, scope: SCOPES.read });
    expect(stack.gateway.calls).toContainEqual({ route: 'GET /dumps/{id}/messages', status: 200, scope: SCOPES.read });

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/report-page-sign-in.png', fullPage: true });
    expect(problems).toEqual([]);
  });

  it('cannot write with the read token: the authoriser answers 403 for the write scope', async () => {
    const status = await page.evaluate(async () => {
      const token = sessionStorage.getItem('leakproof-token');
      const response = await fetch('keys', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '[]' });
      return response.status;
    });
    expect(status).toBe(403);
    expect(stack.gateway.calls.at(-1)).toEqual({ route: 'POST /keys', status: 403, scope: SCOPES.write });
  });

  it('refuses tokens the provider did not sign for this API: another key, another audience, none', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ scope: `${SCOPES.read} ${SCOPES.write}`, client_id: CLIENT_ID })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(stack.provider.issuer)
      .setAudience(AUDIENCE)
      .setSubject('forger')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    const get = (authorization?: string) => fetch(new URL('dumps', stack.gateway.url), { headers: authorization ? { authorization } : {} }).then((response) => response.status);
    expect(await get(`Bearer ${forged}`)).toBe(401);
    expect(await get()).toBe(401);
    // The provider's genuine token, presented to an API that takes another audience, is refused too.
    const token = (await page.evaluate(() => sessionStorage.getItem('leakproof-token')))!;
    expect(await get(`Bearer ${token}`)).toBe(200);
    const strict = await startJwtGateway({ issuer: stack.provider.issuer, jwksUri: `${stack.provider.issuer}/jwks`, audience: ['https://other.api.test'], scopes: SCOPES });
    strict.setTarget(() => new Response('{}'));
    try {
      expect((await fetch(new URL('dumps', strict.url), { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    } finally {
      await strict.close();
    }
  });

  it('does not exchange a code that comes back with a state this tab never sent', async () => {
    const fresh = await browser.newPage();
    const tokenRequests: string[] = [];
    fresh.on('request', (request) => request.url() === stack.signIn.tokenEndpoint && tokenRequests.push(request.url()));
    // A sign-in pending in this tab (it has left for the provider), then an answer carrying an attacker's code and
    // state, as a link on another site would bring it (login CSRF).
    await fresh.goto(stack.gateway.url);
    await fresh.waitForURL((url) => url.href.startsWith(`${stack.provider.issuer}/interaction/`));
    await fresh.goto(`${stack.gateway.url}?code=attacker-code&state=attacker-state`);
    await expect.poll(() => fresh.locator('#status').innerText()).toContain('not for the sign-in this page started');
    expect(tokenRequests).toEqual([]);
    expect(new URL(fresh.url()).search).toBe('');
    expect(await fresh.evaluate(() => sessionStorage.getItem('leakproof-token'))).toBeNull();
    // The pending sign-in is spent: the genuine answer, should it come now, is refused as well.
    expect(await fresh.evaluate(() => sessionStorage.getItem('leakproof-sign-in'))).toBeNull();
    await fresh.close();
  });
});

if (!chromiumAvailable) console.warn(`report page sign-in test skipped: ${CHROMIUM} is missing (install the Debian packages chromium and chromium-driver)`);
