import { XMLParser } from 'fast-xml-parser';
import { MAX_METADATA_XML_BYTES, MAX_XML_DEPTH } from './limits.ts';

/**
 * Parses a metadata part (core.xml, app.xml, meta.xml, XMP) safely: capped in size and depth, and with entities
 * a DOCTYPE declares left unexpanded (no billion laughs, no external entities); the five XML entities and
 * character references are decoded by textOf. Namespace prefixes are dropped, since files may bind any prefix.
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
    // No entity is expanded by the parser (no billion laughs, no external entities): textOf decodes the five XML
    // entities and character references itself, and leaves any entity a DOCTYPE declares as written.
    processEntities: false,
    htmlEntities: false,
  });
  try {
    return parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')) as XmlNode;
  } catch (error) {
    throw new Error(`${part} unreadable (${(error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 120)})`);
  }
}

/** The text of a node: a string, an element with attributes and text, or a list (its first item). */
export function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return decodeXmlReferences(node);
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

/** The five predefined entities and character references (XML 1.0 §4.1, §4.6), in one linear pass. */
const XML_REFERENCE = /&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});/g;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXmlReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(XML_REFERENCE, (reference, name: string) => {
    if (name[0] !== '#') return PREDEFINED[name]!;
    const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    // Not a character XML allows (NUL, surrogates, beyond Unicode): kept as written rather than guessed at.
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : reference;
  });
}
