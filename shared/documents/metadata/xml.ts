import { XMLParser } from 'fast-xml-parser';
import { MAX_METADATA_XML_BYTES, MAX_XML_DEPTH } from './limits.ts';

/**
 * Parses a metadata part (core.xml, app.xml, meta.xml, XMP) safely: capped in size and depth, and with entities
 * a DOCTYPE declares left unexpanded (no billion laughs, no external entities); the five XML entities and
 * character references are still decoded. Namespace prefixes are dropped, since files may bind any prefix.
 * Throws a one-line Error the reader turns into a note.
 */
let parser: XMLParser | undefined;

export type XmlNode = Record<string, unknown>;

export function parseMetadataXml(bytes: Uint8Array, part: string): XmlNode {
  if (bytes.length > MAX_METADATA_XML_BYTES) throw new Error(`${part} over ${MAX_METADATA_XML_BYTES} bytes, not parsed`);
  parser ??= new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: MAX_XML_DEPTH,
    // DOCTYPE entities are never expanded: only the built-in ones and character references are.
    processEntities: { enabled: true, maxEntityCount: 1, maxEntitySize: 1, maxExpansionDepth: 1, maxTotalExpansions: 1, maxExpandedLength: 1, allowedTags: [] },
  });
  try {
    return parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')) as XmlNode;
  } catch (error) {
    throw new Error(`${part} unreadable (${(error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 120)})`);
  }
}

/** The text of a node: a string, an element with attributes and text, or a list (its first item). */
export function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (typeof node === 'number') return String(node);
  if (Array.isArray(node)) return textOf(node[0]);
  if (node && typeof node === 'object') {
    const record = node as XmlNode;
    if ('#text' in record) return textOf(record['#text']);
    // XMP containers: rdf:Seq / rdf:Alt / rdf:Bag hold rdf:li items.
    for (const container of ['Seq', 'Alt', 'Bag']) if (container in record) return textOf((record[container] as XmlNode | undefined)?.li);
  }
  return undefined;
}

/** A child element (prefix dropped) of a parsed node. */
export function child(node: unknown, name: string): unknown {
  return node && typeof node === 'object' && !Array.isArray(node) ? (node as XmlNode)[name] : undefined;
}
