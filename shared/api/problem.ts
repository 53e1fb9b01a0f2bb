/**
 * Errors as RFC 9457 problem details (application/problem+json): `{type, title, status, detail}`, plus
 * `parameter` on a 400 naming the request parameter that was refused. Handlers throw an ApiProblem; anything
 * else that escapes them is a 500 whose detail says nothing about the server (no message, no stack).
 */
import type { Hook, RouteConfig } from '@hono/zod-openapi';
import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';
import { ProblemSchema } from './schemas.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** "about:blank" problems: the title is the status's phrase (RFC 9457 section 4.2.1). */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  421: 'Misdirected Request',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

/** What a handler throws to answer with a problem. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly parameter: string | undefined;

  constructor(status: number, detail: string, parameter?: string) {
    super(detail);
    this.name = 'ApiProblem';
    this.status = status;
    this.parameter = parameter;
  }
}

export function badParameter(parameter: string, why: string): ApiProblem {
  return new ApiProblem(400, `${parameter}: ${why}`, parameter);
}

export function notFound(detail: string): ApiProblem {
  return new ApiProblem(404, detail);
}

export function problemResponse(problem: ApiProblem, headers: Record<string, string> = {}): Response {
  const body: z.infer<typeof ProblemSchema> = {
    type: 'about:blank',
    title: TITLES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.message,
    ...(problem.parameter !== undefined ? { parameter: problem.parameter } : {}),
  };
  return new Response(JSON.stringify(body), { status: problem.status, headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers } });
}

/**
 * The validators' verdict (OpenAPIHono's defaultHook): a refused request is a 400 naming the first parameter
 * at fault, "limit: Too big: expected number to be <=500"; a parameter the route does not take is named too.
 */
export const validationHook: Hook<unknown, any, any, unknown> = (result) => {
  if (result.success) return;
  const issue = result.error.issues[0];
  if (!issue) return problemResponse(new ApiProblem(400, `the request's ${result.target} is not valid`));
  if (issue.code === 'unrecognized_keys') {
    const name = String(issue.keys[0]);
    return problemResponse(badParameter(name, `not a ${result.target === 'param' ? 'path' : result.target} parameter of this route`));
  }
  const name = issue.path.length > 0 ? issue.path.map(String).join('.') : result.target;
  return problemResponse(badParameter(name, issue.message));
};

/** Every error that reaches the app's error handler; `log` hears of the unexpected ones (a 500). */
export function errorHandler(log: (error: unknown) => void): ErrorHandler {
  return (error) => {
    if (error instanceof ApiProblem) return problemResponse(error);
    // Hono's own refusals: a body over the limit, JSON that does not parse, an unsupported media type.
    if (error instanceof HTTPException && error.status < 500) return problemResponse(new ApiProblem(error.status, error.message || TITLES[error.status] || 'refused'));
    log(error);
    return problemResponse(new ApiProblem(500, 'the server could not answer this request; the cause is in its log'));
  };
}

/** Hono gives its error handler Error instances only: anything else thrown is wrapped on its way out, to get there too. */
export const thrownAsError: MiddlewareHandler = async (_c, next) => {
  try {
    await next();
  } catch (thrown) {
    throw thrown instanceof Error ? thrown : new Error('a value that is not an Error was thrown', { cause: thrown });
  }
};

export const routeNotFound: NotFoundHandler = (c: Context) => problemResponse(notFound(`no route ${c.req.method} ${c.req.path}`));

const DESCRIPTIONS: Record<number, string> = {
  400: 'A parameter is not valid: `parameter` names it.',
  401: 'No valid bearer token (only when the server was given one).',
  404: 'No such dump or message.',
  409: 'The message\'s bytes cannot be served as verified: the dump no longer holds them (or holds other bytes), or this server cannot read dumps; `detail` says which.',
  413: 'The body is over the size limit.',
  415: 'The request does not say its body is JSON: a POST takes application/json or application/x-ndjson only.',
  500: 'The server failed; nothing about it is disclosed.',
  501: 'Only where the deployment caps responses (AWS: about 4 MiB): the answer would be larger; ask for a smaller page.',
};

/** The problem responses a route may give, for its OpenAPI description. */
export function problemResponses<const S extends readonly (keyof typeof DESCRIPTIONS & number)[]>(...statuses: S): RouteConfig['responses'] {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: DESCRIPTIONS[status]!, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } }]),
  );
}
