/**
 * A test-only stand-in for API Gateway's HTTP API in front of the API function with a JWT authoriser (infra/api.ts),
 * because API Gateway itself cannot run here. It does what the authoriser is documented to do, with `jose`:
 * routes are matched by the router's endpoints (shared/api/endpoints.ts); a public one passes untouched; a data
 * route needs `Authorization: Bearer <JWT>`, verified against the issuer's JWKS, its `iss` the issuer, its `aud`
 * (or `client_id`) one of the audiences, unexpired, and its `scope` claim holding the scope the route asks for —
 * else API Gateway's own answers: 401 {"message":"Unauthorized"}, or 403 {"message":"Forbidden"} for a missing
 * scope. What passes goes to the router with nothing added.
 */
import { serve } from '@hono/node-server';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { AddressInfo } from 'node:net';
import { ENDPOINTS, type Endpoint } from '../../shared/api/endpoints.ts';

export interface JwtAuthoriserOptions {
  issuer: string;
  /** The issuer's JWKS URL (its discovery document's jwks_uri). */
  jwksUri: string;
  audience: string[];
  scopes: { read: string; write: string };
}

export interface GatewayCall {
  route: string;
  status: number;
  scope?: string | undefined;
}

export interface RunningGateway {
  url: string;
  /** Every request: its route key and what the authoriser answered (200 = passed on). */
  calls: GatewayCall[];
  /** What requests are passed to, once known (the router may need the gateway's own address first). */
  setTarget(target: (request: Request) => Response | Promise<Response>): void;
  close(): Promise<void>;
}

const matchers = ENDPOINTS.map((endpoint) => ({
  endpoint,
  pattern: new RegExp(`^${endpoint.path.replace(/\{[^}]+\+\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

function routeOf(method: string, path: string): Endpoint | undefined {
  return matchers.find(({ endpoint, pattern }) => endpoint.method === method && pattern.test(path))?.endpoint;
}

const answer = (status: number, message: string) => new Response(JSON.stringify({ message }), { status, headers: { 'content-type': 'application/json' } });

export async function startJwtGateway(options: JwtAuthoriserOptions): Promise<RunningGateway> {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri));
  const calls: GatewayCall[] = [];
  let target: ((request: Request) => Response | Promise<Response>) | undefined;

  const authorise = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const endpoint = routeOf(request.method, path);
    // No route: API Gateway's own 404, the function never invoked.
    if (!endpoint) return answer(404, 'Not Found');
    const route = `${endpoint.method} ${endpoint.path}`;
    if (endpoint.access === 'public') {
      calls.push({ route, status: 200 });
      return target!(request);
    }
    const scope = options.scopes[endpoint.access];
    const token = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    let claims: Record<string, unknown>;
    try {
      if (!token) throw new Error('no token');
      ({ payload: claims } = await jwtVerify(token, jwks, { issuer: options.issuer }));
      const audiences = [claims.aud, claims.client_id].flat().filter((value): value is string => typeof value === 'string');
      if (!audiences.some((audience) => options.audience.includes(audience))) throw new Error('audience');
    } catch {
      calls.push({ route, status: 401, scope });
      return answer(401, 'Unauthorized');
    }
    const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!granted.includes(scope)) {
      calls.push({ route, status: 403, scope });
      return answer(403, 'Forbidden');
    }
    calls.push({ route, status: 200, scope });
    return target!(request);
  };

  return new Promise((resolve) => {
    const server = serve({ fetch: authorise, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}/`,
        calls,
        setTarget: (next) => (target = next),
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
  });
}
