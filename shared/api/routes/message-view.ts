/**
 * A message as evidence (issue 14): its view — the header section, what each signature covers, the unsigned fields
 * that matter, the text, the l= tail — and its original bytes, both read again from the dump and served only
 * while they hash to the SHA-256 recorded when the message was verified.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { messageView } from '../../message/message-view.ts';
import { readOriginal } from '../../message/read-original.ts';
import type { MessageRecord } from '../../ports/verdict-store.ts';
import { attachment } from '../../ports/export-delivery.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { jsonContent } from '../json-content.ts';
import { locatorOfMessageKey } from '../message-key.ts';
import { ApiProblem, badParameter, notFound, problemResponses } from '../problem.ts';
import { MessageParams } from '../schemas.ts';
import { MessageViewSchema } from '../view-schemas.ts';

export const messageViewRoute = createRoute({
  method: 'get',
  path: '/dumps/{id}/messages/{messageKey}/view',
  tags: ['messages'],
  summary: 'One message as evidence: its header section, what each signature covers, its text and any unsigned tail',
  description:
    'Computed from the original bytes, read again from the dump, and only when they still hash to the SHA-256 recorded at verification (else 409). ' +
    'A field is marked signed by a signature only when that signature\'s header hash verified over it, by the verifier\'s own h= selection.',
  request: { params: MessageParams },
  responses: { 200: jsonContent(MessageViewSchema, 'The message view.'), ...problemResponses(400, 401, 404, 409, 500, 501) },
});

export const messageOriginalRoute = createRoute({
  method: 'get',
  path: '/dumps/{id}/messages/{messageKey}/original',
  tags: ['messages'],
  summary: "The message's original bytes, as verified",
  description: 'message/rfc822, as a download; `X-Content-SHA256` (hex) and `Repr-Digest` (RFC 9530) give their SHA-256, equal to the one recorded at verification. 409 when the dump no longer holds those bytes.',
  request: { params: MessageParams },
  responses: {
    200: {
      description: 'The bytes.',
      headers: z.object({
        'x-content-sha256': z.string().openapi({ description: 'SHA-256 of the body, hex.' }),
        'repr-digest': z.string().openapi({ description: 'sha-256=:<base64>: (RFC 9530).' }),
        'content-disposition': z.string(),
      }),
      content: { 'message/rfc822': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...problemResponses(400, 401, 404, 409, 500, 501),
  },
});

export function registerMessageViewRoutes(app: OpenAPIHono, { store, messages }: ApiDependencies): void {
  const verifiedBytes = async (id: string, messageKey: string) => {
    const locator = locatorOfMessageKey(messageKey);
    if (locator === null) throw badParameter('messageKey', 'not a message key a listing gave out');
    const entry = await store.getEntry(id, locator);
    // An unreadable entry has no bytes to show; documents and skipped entries are not messages.
    if (entry?.kind !== 'message') throw notFound(`no message ${messageKey} in dump ${id}`);
    const original = await readOriginal(messages, id, entry);
    if (!original.ok) throw new ApiProblem(409, original.detail);
    return { record: entry as MessageRecord, bytes: original.bytes, sha256: original.sha256 };
  };

  app.openapi(messageViewRoute, async (c) => {
    const { id, messageKey } = c.req.valid('param');
    const { record, bytes } = await verifiedBytes(id, messageKey);
    return c.json({ key: messageKey, locator: locatorOf(messageKey), ...messageView(bytes, record), originalUrl: `/dumps/${id}/messages/${messageKey}/original` }, 200);
  });

  app.openapi(messageOriginalRoute, async (c) => {
    const { id, messageKey } = c.req.valid('param');
    const { bytes, sha256 } = await verifiedBytes(id, messageKey);
    const headers = {
      'content-type': 'message/rfc822',
      'content-disposition': attachment(`message-${sha256.slice(0, 12)}.eml`),
      'x-content-sha256': sha256,
      'repr-digest': `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`,
    };
    return c.body(new Uint8Array(bytes), 200, headers) as never;
  });
}

function locatorOf(messageKey: string): string {
  return locatorOfMessageKey(messageKey)!;
}
