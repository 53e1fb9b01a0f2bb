/**
 * Checks responses against the API's own OpenAPI document: the schema the document gives for the route, status
 * and media type, turned back into a validator (zod's fromJSONSchema) — so what the document promises is what
 * the API sends. Objects are closed while checking: a field the document does not name is an error too.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { z } from 'zod';
import type { ApiResponse } from './api-harness.ts';

type JsonSchema = Record<string, unknown>;
interface MediaType {
  schema?: JsonSchema;
}
interface Operation {
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

export class ResponseValidator {
  readonly #routes: { method: string; template: string; pattern: RegExp; operation: Operation }[];
  readonly #problem: z.ZodType;
  readonly #cache = new Map<JsonSchema, z.ZodType>();
  /** Responses checked so far, by "METHOD template status". */
  readonly checked = new Set<string>();

  private constructor(document: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } }) {
    this.#routes = Object.entries(document.paths).flatMap(([template, operations]) =>
      Object.entries(operations).map(([method, operation]) => ({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        operation,
      })),
    );
    this.#problem = this.#zod(document.components.schemas.Problem!);
  }

  /** Validates the document itself (OpenAPI 3.1), then builds the checker from it, references resolved. */
  static async of(document: unknown): Promise<{ validator: ResponseValidator; errors: unknown }> {
    const checker = new Validator();
    const result = await checker.validate(document as never);
    if (!result.valid) return { validator: undefined as never, errors: result.errors };
    return { validator: new ResponseValidator(checker.resolveRefs() as never), errors: null };
  }

  /** Throws, naming the route and the fields at fault, unless the response is what the document says it may be. */
  check(method: string, url: string, response: ApiResponse): void {
    const path = new URL(url, 'http://api.test').pathname;
    const route = this.#routes.find((r) => r.method === method && r.pattern.test(path));
    const essence = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (!route) {
      // Not a documented operation (the report page, the document itself, an unknown path): errors are still problems.
      if (response.status >= 400) this.#expect(this.#problem, JSON.parse(response.text), `${method} ${path} ${response.status}`);
      return;
    }
    const where = `${method} ${route.template} ${response.status}`;
    const documented = route.operation.responses[String(response.status)];
    if (!documented) throw new Error(`${where}: the document lists no ${response.status} response for this route`);
    const media = documented.content?.[essence];
    if (!media?.schema) throw new Error(`${where}: the document has no ${essence || 'missing'} content for it`);
    this.checked.add(where);
    const schema = this.#zod(media.schema);
    if (essence === 'application/x-ndjson') {
      for (const [i, line] of response.text.split('\n').slice(0, -1).entries()) this.#expect(schema, JSON.parse(line), `${where} line ${i + 1}`);
    } else if (essence.endsWith('json')) {
      this.#expect(schema, JSON.parse(response.text), where);
    } else {
      this.#expect(schema, response.text, where);
    }
  }

  #expect(schema: z.ZodType, value: unknown, where: string): void {
    const result = schema.safeParse(value);
    if (!result.success) {
      const issues = result.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw new Error(`${where}: the response does not match the document's schema: ${issues.join('; ')}`);
    }
  }

  #zod(schema: JsonSchema): z.ZodType {
    let built = this.#cache.get(schema);
    if (!built) {
      built = z.fromJSONSchema(closed(schema) as never);
      this.#cache.set(schema, built);
    }
    return built;
  }
}

/** The schema with every object that names its properties closed to others. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Record<string, unknown> = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, key === 'properties' ? mapValues(value, closed) : closed(value)]));
  if (copy.type === 'object' && copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

function mapValues(value: unknown, f: (v: unknown) => unknown): unknown {
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, v]) => [key, f(v)]));
}
