/**
 * The key archive: GET /keys?domain= lists what it holds for a domain; POST /keys imports key records as
 * `leakproof keys import` does (same parser, same rules), then asks the reverifier what the new keys change.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { importKeyRecords, parseKeyLines } from '../../keys/key-import.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { jsonContent } from '../json-content.ts';
import { ApiProblem, badParameter, problemResponses } from '../problem.ts';
import { KeyImportSchema, KeyListSchema, KeysQuerySchema } from '../schemas.ts';

/** The largest import body: about 2,500 RSA-2048 records. A larger archive goes in several requests or via the CLI. */
export const KEY_IMPORT_MAX_BYTES = 5 * 1024 * 1024;
/** Who vouched for imported records that do not name a `source`. */
export const KEY_IMPORT_SOURCE = 'api';

export const listKeysRoute = createRoute({
  method: 'get',
  path: '/keys',
  tags: ['keys'],
  summary: "The archived DKIM keys of a domain",
  request: { query: KeysQuerySchema },
  responses: { 200: jsonContent(KeyListSchema, 'Every archived record of the domain, by selector, then first seen.'), ...problemResponses(400, 401, 500) },
});

export const importKeysRoute = createRoute({
  method: 'post',
  path: '/keys',
  tags: ['keys'],
  summary: 'Import DKIM key records into the archive',
  description:
    'JSON lines, one KeyRecordInput a line (or one JSON array of them), at most 5 MiB. A bad record is reported and skipped; ' +
    'the rest are imported. The answer says what the import did and which stored messages the keys affect.',
  middleware: [
    bodyLimit({
      maxSize: KEY_IMPORT_MAX_BYTES,
      onError: () => {
        throw new ApiProblem(413, `body: over the ${KEY_IMPORT_MAX_BYTES / 1024 / 1024} MiB a key import may send; split it`);
      },
    }),
  ] as const,
  request: {
    body: {
      required: true,
      description: 'Key records: JSON lines or one JSON array (see the KeyRecordInput schema).',
      // Documentation only: no validator reads these (a bad line is skipped, not a refusal of the whole body).
      content: {
        'application/x-ndjson': { schema: { type: 'string', description: 'One KeyRecordInput (JSON) a line.' } },
        'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/KeyRecordInput' } } },
      },
    },
  },
  responses: {
    200: jsonContent(KeyImportSchema, 'What was imported and rejected, and what the keys affect.'),
    ...problemResponses(400, 401, 413, 415, 500),
  },
});

export function registerKeyRoutes(app: OpenAPIHono, { keys, reverifier }: ApiDependencies): void {
  app.openapi(listKeysRoute, async (c) => {
    const { domain } = c.req.valid('query');
    return c.json({ domain, keys: await keys.findByDomain(domain) }, 200);
  });

  app.openapi(importKeysRoute, async (c) => {
    const text = await c.req.text();
    const result = await importKeyRecords(parseKeyLines(text.split('\n'), KEY_IMPORT_SOURCE), keys);
    if (result.imported === 0) {
      throw badParameter('body', result.rejected === 0 ? 'no key records in it' : `no valid key record in it (${result.errors[0]})`);
    }
    const reverification = await reverifier.keysImported(result.selectors);
    return c.json({ ...result, reverification }, 200);
  });
}
