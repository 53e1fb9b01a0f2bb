/**
 * The report page: static files from shared/api/report/, served at GET / (index.html) and GET /report/<file>.
 * Read from the directory beside this module: the Lambda bundle and the CLI bundle each get a copy beside
 * their own file (infra/api.ts's bundling hook, tools/build.ts), where import.meta.url then points.
 */
import type { Hono } from 'hono';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { notFound } from './problem.ts';

export const REPORT_DIRECTORY = new URL('./report/', import.meta.url);
export const REPORT_PAGE_PATHS = { page: '/', files: '/report/' } as const;

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
 * The page runs only its own files and talks only to this API: a subject line crafted to inject markup, should
 * one ever reach the DOM as HTML, could neither run a script nor send anything elsewhere.
 */
const PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** A file name under report/: plain segments only, none hidden, none "..": nothing outside the directory. */
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

export function registerReportPage(app: Hono<any, any, any>): void {
  app.get(REPORT_PAGE_PATHS.page, () => reportFile('index.html'));
  app.get(`${REPORT_PAGE_PATHS.files}*`, (c) => {
    let name: string;
    try {
      name = decodeURIComponent(c.req.path.slice(REPORT_PAGE_PATHS.files.length));
    } catch {
      throw notFound(`no report file ${c.req.path}`);
    }
    return reportFile(name);
  });
}

async function reportFile(name: string): Promise<Response> {
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
  const policy: Record<string, string> = type.startsWith('text/html') ? { 'content-security-policy': PAGE_POLICY, 'referrer-policy': 'no-referrer' } : {};
  return new Response(new Uint8Array(bytes), { headers: { 'content-type': type, 'cache-control': 'no-cache', ...policy } });
}
