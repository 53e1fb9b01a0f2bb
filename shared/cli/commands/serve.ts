import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { openLocalHome, resolveHome } from '../../adapters/local/local-home.ts';
import { createApi } from '../../api/create-api.ts';
import { localReverifier } from '../../reverify/local-reverifier.ts';

/** The API answers whoever reaches its port, so only this machine may: loopback, never 0.0.0.0. */
export const LOCAL_HOST = '127.0.0.1';

export interface ServeFlags {
  /** 0 picks a free one. */
  port: number;
  home?: string;
  /** Bearer token every API request must carry; else $LEAKPROOF_TOKEN; else none. */
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
    const token = flags.token || env.LEAKPROOF_TOKEN || undefined;
    const app = createApi({ store: local.store, keys: local.archive, reverifier: localReverifier(local, { offline: flags.offline ?? false }), token });
    const server = await listenLocally(app, flags.port);
    const tokenNote = token ? `leakproof: requests need the bearer token; the page asks for it, or open ${server.url}#token=<token>\n` : '';
    process.stderr.write(`leakproof: serving the report and the API at ${server.url} (Ctrl-C stops)\n${tokenNote}`);
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

/** Serves an app over HTTP on 127.0.0.1 (port 0: one the system picks), resolved once it listens. */
export function listenLocally(app: { fetch: (request: Request) => Response | Promise<Response> }, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: LOCAL_HOST, port }, (info: AddressInfo) => {
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
