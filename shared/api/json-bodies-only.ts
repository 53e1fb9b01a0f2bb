/**
 * Every request that changes state (a POST) declares a JSON body: application/json or application/x-ndjson,
 * whatever it carries (POST /dumps/{id}/reverify carries none). A browser sends those types cross-site only after
 * a CORS preflight, which this API never grants; an HTML form can send text/plain, url-encoded or multipart bodies
 * without asking anyone, so those are refused (415) before any route reads them.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiProblem, problemResponse } from './problem.ts';

export const JSON_BODY_TYPES = ['application/json', 'application/x-ndjson'] as const;

/** The methods whose request carries a body (the API's routes that change state are all POSTs). */
const METHODS_WITH_BODIES = new Set(['POST', 'PUT', 'PATCH']);

export const jsonBodiesOnly: MiddlewareHandler = async (c, next) => {
  if (!METHODS_WITH_BODIES.has(c.req.method)) return next();
  if (!(JSON_BODY_TYPES as readonly string[]).includes(mediaTypeOf(c.req.header('content-type')))) {
    return problemResponse(new ApiProblem(415, `content-type: send ${JSON_BODY_TYPES.join(' or ')} (a POST may carry no other type)`));
  }
  return next();
};

/** "application/json; charset=utf-8" → "application/json"; no header → "". */
function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]!.trim().toLowerCase();
}
