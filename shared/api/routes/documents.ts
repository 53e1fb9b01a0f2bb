/**
 * Files: a dump's documents (a filtered listing, and one document with its provenance decided afresh and every
 * place its bytes are found), and where any file's bytes appear in the store (GET /documents/{sha256}).
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { FilePlace } from '../../documents/contract.ts';
import { BadCursorError, type DocumentPage, type VerdictStore } from '../../ports/verdict-store.ts';
import { provenanceOf } from '../../provenance/provenance-of.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { jsonContent } from '../json-content.ts';
import { locatorOfMessageKey, messageKeyOf } from '../message-key.ts';
import { badParameter, notFound, problemResponses } from '../problem.ts';
import { DocumentDetailSchema, DocumentPageSchema, DocumentParams, DocumentQuerySchema, DumpParams, FileParams, FileSightingsSchema } from '../schemas.ts';
import { locatorKey } from '../../dump/entry.ts';

/** Places one answer lists: a file copied into every message of a mailing is in thousands. */
export const MAX_PLACES_LISTED = 500;

export const listDocumentsRoute = createRoute({
  method: 'get',
  path: '/dumps/{id}/documents',
  tags: ['documents'],
  summary: "A page of a dump's documents",
  description:
    'Loose files of content (not messages) in locator order, each with its provenance as last settled. Every filter given must hold. Pass `next` back as `cursor` for the following page.',
  request: { params: DumpParams, query: DocumentQuerySchema },
  responses: { 200: jsonContent(DocumentPageSchema, 'One page of documents.'), ...problemResponses(400, 401, 404, 500, 501) },
});

export const getDocumentRoute = createRoute({
  method: 'get',
  path: '/dumps/{id}/documents/{documentKey}',
  tags: ['documents'],
  summary: 'One document: its facts, metadata, provenance (decided now) and every place its bytes are found',
  request: { params: DocumentParams },
  responses: { 200: jsonContent(DocumentDetailSchema, 'The document and its provenance evidence.'), ...problemResponses(400, 401, 404, 500, 501) },
});

export const fileSightingsRoute = createRoute({
  method: 'get',
  path: '/documents/{sha256}',
  tags: ['documents'],
  summary: 'Every place a file\'s bytes appear in the store',
  description: "As a loose document or as an attachment, in any dump, with the carrying messages' verdicts. No place: an empty list.",
  request: { params: FileParams },
  responses: { 200: jsonContent(FileSightingsSchema, 'The places holding those bytes.'), ...problemResponses(400, 401, 500, 501) },
});

export function registerDocumentRoutes(app: OpenAPIHono, { store }: ApiDependencies): void {
  app.openapi(listDocumentsRoute, async (c) => {
    const { id } = c.req.valid('param');
    let page: DocumentPage | null;
    try {
      page = await store.listDocuments(id, c.req.valid('query'));
    } catch (error) {
      if (error instanceof BadCursorError) throw badParameter('cursor', "not a cursor this API gave out (pass a page's `next` as it is)");
      throw error;
    }
    if (!page) throw notFound(`no dump ${id}`);
    return c.json({ documents: page.documents.map((document) => ({ key: messageKeyOf(document.locator), ...document })), next: page.cursor }, 200);
  });

  app.openapi(getDocumentRoute, async (c) => {
    const { id, documentKey } = c.req.valid('param');
    const locator = locatorOfMessageKey(documentKey);
    if (locator === null) throw badParameter('documentKey', 'not a document key a listing gave out');
    const entry = await store.getEntry(id, locator);
    if (entry?.kind !== 'document') throw notFound(`no document ${documentKey} in dump ${id}`);
    const { kind, name, declaredType, detectedType, size, sha256, metadata, detail } = entry;
    const key = locatorKey(entry.locator);
    const [provenance, found] = await Promise.all([provenanceOf(store, entry, new Date()), placesOf(store, sha256, (place) => !(place.kind === 'document' && place.dumpId === id && place.locator === key))]);
    return c.json(
      { key: messageKeyOf(key), locator: key, kind, name, declaredType, detectedType, size, sha256, metadata, detail, provenance, places: found.places, placesTruncated: found.truncated },
      200,
    );
  });

  app.openapi(fileSightingsRoute, async (c) => {
    const { sha256 } = c.req.valid('param');
    const found = await placesOf(store, sha256);
    return c.json({ sha256, places: found.places, truncated: found.truncated }, 200);
  });
}

/** The places holding these bytes, up to MAX_PLACES_LISTED, and whether there were more. */
async function placesOf(store: VerdictStore, sha256: string, keep: (place: FilePlace) => boolean = () => true): Promise<{ places: FilePlace[]; truncated: boolean }> {
  const places: FilePlace[] = [];
  for await (const place of store.filePlaces({ sha256 })) {
    if (!keep(place)) continue;
    if (places.length === MAX_PLACES_LISTED) return { places, truncated: true };
    places.push(place);
  }
  return { places, truncated: false };
}
