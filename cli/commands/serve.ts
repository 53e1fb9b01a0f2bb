import { serve } from '@hono/node-server';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { openLocalHome, resolveHome } from '../../shared/adapters/local/local-home.ts';
import { createApi } from '../../shared/api/create-api.ts';
import { loopbackGuard } from '../../shared/api/loopback-guard.ts';
import { ApiProblem, problemResponse } from '../../shared/api/problem.ts';
import { localMessageSource } from '../../shared/reverify/local-message-source.ts';
import { localReverifier } from '../../shared/reverify/local-reverifier.ts';
import { tokenOf } from '../token.ts';

/** The API answers whoever reaches its port, so only this machine may: loopback, never 0.0.0.0. */
export const LOCAL_HOST = '127.0.0.1';

export interface ServeFlags {
  /** 0 picks a free one. */
  port: number;
  home?: string;
  /** Bearer token every API request must carry; else $LEAKPROOF_TOKEN; else one made now and printed. */
  token?: string;
  offline?: boolean;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** `leakproof serve [--port N] [--home DIR] [--token T]`: the HTTP API and the report page over the local store, until Ctrl-C. */
export async function serveCommand(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const local = openLocalHome(resolveHome(flags.home));
  try {
    const given = tokenOf(flags, env);
    const token = given ?? newToken();
    const app = createApi({
      store: local.store,
      keys: local.archive,
      reverifier: localReverifier(local, { offline: flags.offline ?? false }),
      messages: localMessageSource(local.store),
      token,
    });
    const server = await listenLocally(app, flags.port);
    // In the fragment, which a browser never sends: the token stays out of requests and any log of them. A token
    // the user chose is theirs to paste; one made here is printed, as nobody else knows it.
    const open = given ? `the page asks for the bearer token, or open ${server.url}#token=<token>` : `open ${server.url}#token=${token}`;
    process.stderr.write(`leakproof: serving the report and the API at ${server.url} (Ctrl-C stops)\nleakproof: requests need the bearer token; ${open}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  } finally {
    local.close();
  }
}

/** A bearer token nobody can guess: 256 random bits, URL-safe (it goes in the page's address). */
function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Serves an app over HTTP on 127.0.0.1 (port 0: one the system picks), resolved once it listens. Every request
 * passes the loopback guard first (shared/api/loopback-guard.ts): Host, Origin and Sec-Fetch-Site must be this
 * server's, whatever the app behind it.
 */
export function listenLocally(app: { fetch: (request: Request) => Response | Promise<Response> }, port: number): Promise<RunningServer> {
  // Known once listening (port 0 is the system's pick); no request comes before, and one would be refused.
  let refusal: (request: Request) => ApiProblem | null = () => new ApiProblem(421, 'the server is not listening yet');
  const guarded = (request: Request) => {
    const problem = refusal(request);
    return problem ? problemResponse(problem, { 'x-content-type-options': 'nosniff' }) : app.fetch(request);
  };
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: guarded, hostname: LOCAL_HOST, port }, (info: AddressInfo) => {
      refusal = loopbackGuard(info.port);
      server.off('error', refuse);
      resolve({
        url: `http://${LOCAL_HOST}:${info.port}/`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Keep-alive connections would hold the close open until they time out.
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
    const refuse = (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'EADDRINUSE' ? `port ${port} is in use: pick another with --port` : `cannot listen on ${LOCAL_HOST}:${port}: ${error.message}`));
    server.once('error', refuse);
  });
}
