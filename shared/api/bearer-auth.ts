import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiProblem, problemResponse } from './problem.ts';

/**
 * `Authorization: Bearer <token>` on every request but those `isPublic` lets through. The comparison takes
 * the same time whatever the token sent (both sides hashed first, so their lengths do not show either).
 */
export function bearerAuth(token: string, isPublic: (method: string, path: string) => boolean): MiddlewareHandler {
  const expected = digest(token);
  return async (c, next) => {
    if (isPublic(c.req.method, c.req.path)) return next();
    const match = /^Bearer +([^\s]+) *$/i.exec(c.req.header('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      const detail = match ? 'the bearer token is not this server\'s' : 'send the server\'s token as "Authorization: Bearer <token>"';
      return problemResponse(new ApiProblem(401, detail), { 'www-authenticate': 'Bearer realm="leakproof"' });
    }
    return next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
