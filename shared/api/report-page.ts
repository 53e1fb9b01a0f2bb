/**
 * The report page: static files from shared/api/report/, served at GET / (index.html) and GET /report/<file>,
 * and GET /auth-config, which tells the page how to sign in where it must (AWS with JWTs). Files are read from
 * the directory beside this module: the Lambda bundle and the CLI bundle each get a copy beside their own file
 * (infra/api.ts's bundling hook, tools/build.ts), where import.meta.url then points.
 */
import type { Hono } from 'hono';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import { notFound } from './problem.ts';

export const REPORT_DIRECTORY = new URL('./report/', import.meta.url);
export const REPORT_PAGE_PATHS = { page: '/', files: '/report/', authConfig: '/auth-config' } as const;

/**
 * How the page signs in with OAuth 2.0's authorisation-code flow and PKCE (RFC 7636, S256), as a public client:
 * the issuer whose tokens the API takes, the page's client id, the two endpoints it uses and the scopes it asks
 * for. Public by nature (every browser that opens the page is told), so it holds no secret.
 */
export const PageSignInSchema = z.strictObject({
  issuer: z.url(),
  clientId: z.string().min(1),
  authorizationEndpoint: z.url({ protocol: /^https?$/ }),
  tokenEndpoint: z.url({ protocol: /^https?$/ }),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/)).min(1),
});
export type PageSignIn = z.infer<typeof PageSignInSchema>;

/** Where the API function is told the page's sign-in (JSON), when the stack has one. */
export const SIGN_IN_VARIABLE = 'LEAKPROOF_SIGN_IN';

export function signInFromEnvironment(env: NodeJS.ProcessEnv = process.env): PageSignIn | undefined {
  const value = env[SIGN_IN_VARIABLE];
  return value ? PageSignInSchema.parse(JSON.parse(value)) : undefined;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * The page runs only its own files and talks only to this API (and, to exchange a sign-in code for a token, to
 * the issuer's token endpoint): a subject line crafted to inject markup, should one ever reach the DOM as HTML,
 * could neither run a script nor send anything elsewhere.
 */
function pagePolicy(signIn: PageSignIn | undefined): string {
  const connect = ["'self'", ...(signIn ? [new URL(signIn.tokenEndpoint).origin] : [])];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A file name under report/: plain segments only, none hidden, none "..": nothing outside the directory. */
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

export function registerReportPage(app: Hono<any, any, any>, signIn?: PageSignIn): void {
  const policy = pagePolicy(signIn);
  // Not cached: a redeployed stack may name another client.
  app.get(REPORT_PAGE_PATHS.authConfig, (c) => c.json({ signIn: signIn ?? null }, 200, { 'cache-control': 'no-store' }));
  app.get(REPORT_PAGE_PATHS.page, () => reportFile('index.html', policy));
  app.get(`${REPORT_PAGE_PATHS.files}*`, (c) => {
    let name: string;
    try {
      name = decodeURIComponent(c.req.path.slice(REPORT_PAGE_PATHS.files.length));
    } catch {
      throw notFound(`no report file ${c.req.path}`);
    }
    return reportFile(name, policy);
  });
}

async function reportFile(name: string, pagePolicy: string): Promise<Response> {
  const type = CONTENT_TYPES[extname(name).toLowerCase()];
  if (!SAFE_NAME.test(name) || name.includes('..') || type === undefined) throw notFound(`no report file ${name}`);
  let bytes: Buffer;
  try {
    bytes = await readFile(new URL(name, REPORT_DIRECTORY));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') throw notFound(`no report file ${name}`);
    throw error;
  }
  // The page is small and changes with the code: revalidated each time rather than cached stale.
  const policy: Record<string, string> = type.startsWith('text/html') ? { 'content-security-policy': pagePolicy, 'referrer-policy': 'no-referrer' } : {};
  return new Response(new Uint8Array(bytes), { headers: { 'content-type': type, 'cache-control': 'no-cache', ...policy } });
}
