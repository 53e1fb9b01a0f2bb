import type { z } from '@hono/zod-openapi';

/** An OpenAPI response (or body) of JSON in this schema. */
export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}
