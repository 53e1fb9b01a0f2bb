/** A dump's messages: a filtered listing, page by page, and one message with all its evidence. */
import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import { forensicsWithSenderZone } from '../../forensics/sender-zones-in-store.ts';
import { exportRecordOf } from '../../pipeline/entry-record.ts';
import { messageListingOf } from '../../pipeline/message-listing.ts';
import { BadCursorError, UnsupportedQueryError, type EntryRecord, type MessagePage } from '../../ports/verdict-store.ts';
import { variantsOf } from '../../provenance/variants.ts';
import { messageExplanation } from '../../verdict/plain-language.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { jsonContent } from '../json-content.ts';
import { locatorOfMessageKey, messageKeyOf } from '../message-key.ts';
import { badParameter, notFound, problemResponses } from '../problem.ts';
import { DumpParams, MessageDetailSchema, MessagePageSchema, MessageParams, MessageQuerySchema } from '../schemas.ts';

export const listMessagesRoute = createRoute({
  method: 'get',
  path: '/dumps/{id}/messages',
  tags: ['messages'],
  summary: "A page of a dump's messages",
  description:
    'Messages and unreadable entries (verdict "error") in locator order, or in the order `sort` names. Every filter given must hold (`q`: free-text search). Pass `next` back as `cursor` for the following page, with the same filters and sort.',
  request: { params: DumpParams, query: MessageQuerySchema },
  // 501: behind API Gateway (AWS) a page of very long header fields can be over what one response may carry.
  responses: { 200: jsonContent(MessagePageSchema, 'One page of messages.'), ...problemResponses(400, 401, 404, 500, 501) },
});

export const getMessageRoute = createRoute({
  method: 'get',
  path: '/dumps/{id}/messages/{messageKey}',
  tags: ['messages'],
  summary: 'One message: its headers of interest and the full evidence',
  description: 'With its attachments, and how it differs from any verified copy of it (same Message-ID) in the store.',
  request: { params: MessageParams },
  responses: { 200: jsonContent(MessageDetailSchema, 'The message, its verdict, evidence and history.'), ...problemResponses(400, 401, 404, 500) },
});

export function registerMessageRoutes(app: OpenAPIHono, { store, messages }: ApiDependencies): void {
  app.openapi(listMessagesRoute, async (c) => {
    const { id } = c.req.valid('param');
    let page: MessagePage | null;
    try {
      page = await store.listMessages(id, c.req.valid('query'));
    } catch (error) {
      if (error instanceof BadCursorError) throw badParameter('cursor', 'not a cursor this API gave out for this order (pass a page\'s `next` as it is, with the same `sort`)');
      if (error instanceof UnsupportedQueryError) throw badParameter(error.parameter, error.message);
      throw error;
    }
    if (!page) throw notFound(`no dump ${id}`);
    const messages = page.messages.map((message) => ({ key: messageKeyOf(message.locator), ...message }));
    return c.json({ messages, next: page.cursor }, 200);
  });

  app.openapi(getMessageRoute, async (c) => {
    const { id, messageKey } = c.req.valid('param');
    const locator = locatorOfMessageKey(messageKey);
    if (locator === null) throw badParameter('messageKey', 'not a message key a listing gave out');
    const entry = await store.getEntry(id, locator);
    // Skipped entries and documents are not messages: listings leave them out, and so does this.
    if (!entry || entry.kind === 'skipped' || entry.kind === 'document') throw notFound(`no message ${messageKey} in dump ${id}`);
    const variants = entry.kind === 'message' ? await variantsOf({ store, messages }, id, entry) : [];
    const detail = messageDetailOf(id, entry);
    // The Date's zone beside the sender's verified messages: read now (bounded), evidence only.
    const forensics = entry.kind === 'message' ? await forensicsWithSenderZone(store, id, entry) : detail.forensics;
    return c.json({ ...detail, forensics, variants: variants.map((variant) => ({ ...variant, of: { ...variant.of, key: messageKeyOf(variant.of.locator) } })) }, 200);
  });
}

/** A stored entry as the API shows it: its listing line and public record (as exported), with the rest the store keeps. */
export function messageDetailOf(dumpId: string, entry: Extract<EntryRecord, { kind: 'message' | 'error' }>): Omit<z.infer<typeof MessageDetailSchema>, 'variants'> {
  const { sha256, detail, verifiedAt, signatures, arc, forensics, to, cc } = exportRecordOf(dumpId, entry);
  const message = entry.kind === 'message' ? entry : null;
  const listing = messageListingOf(entry);
  return {
    key: messageKeyOf(listing.locator),
    ...listing,
    kind: entry.kind,
    explanation: messageExplanation(listing.verdict, listing.reasons, signatures),
    sha256,
    detail,
    verifiedAt,
    receivedAt: message?.receivedAt ?? null,
    rulesVersion: message?.rulesVersion ?? null,
    signatures,
    history: message?.history ?? [],
    arc,
    forensics,
    attachments: message?.attachments ?? [],
    attachmentsNote: message?.attachmentsNote ?? null,
    to,
    cc,
  };
}
