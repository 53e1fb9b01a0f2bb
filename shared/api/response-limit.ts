import type { MiddlewareHandler } from 'hono';
import { ApiProblem, problemResponse } from './problem.ts';

/**
 * A cap on the bytes one response may carry, for a host that cannot stream: a Lambda behind API Gateway
 * buffers the whole response and cannot return one over 6 MB. Exports do not meet it there (they are delivered
 * through S3, ApiDependencies.exportJobs), but a page of up to 500 listed messages can: nothing bounds a
 * header field, and a hostile dump may carry subjects of many kilobytes. The body is read up to the cap and no
 * further; an answer over it becomes a 501 problem saying why, rather than Lambda's bare failure.
 */
export function responseLimit(maxBytes: number): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const body = c.res.body;
    if (body === null) return;
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        const limit = maxBytes >= 2 ** 20 ? `${+(maxBytes / 2 ** 20).toFixed(1)} MiB` : `${+(maxBytes / 1024).toFixed(1)} KiB`;
        c.res = problemResponse(
          new ApiProblem(501, `the answer is over the ${limit} this deployment can return in one response (API Gateway and Lambda); ask for fewer messages a page (limit)`),
        );
        return;
      }
      chunks.push(value);
    }
    c.res = new Response(Buffer.concat(chunks), { status: c.res.status, headers: c.res.headers });
  };
}
