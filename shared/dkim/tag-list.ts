/**
 * RFC 6376 §3.2 tag=value lists, as used by DKIM-Signature fields and key records. Values keep their inner
 * text; surrounding folding white space is removed. A duplicated tag makes the list invalid (RFC 6376 §3.2).
 */
export type TagList = Map<string, string>;

export function parseTagList(text: string): TagList {
  const tags: TagList = new Map();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq === -1) throw new Error(`tag without "=": ${JSON.stringify(part.trim().slice(0, 40))}`);
    const name = part.slice(0, eq).trim();
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid tag name ${JSON.stringify(name.slice(0, 40))}`);
    if (tags.has(name)) throw new Error(`duplicate tag "${name}"`);
    tags.set(name, part.slice(eq + 1).trim());
  }
  return tags;
}

/** Base64 tag values may be folded with white space anywhere (b=, bh=, p=). */
export function base64Value(value: string): string {
  return value.replace(/[\s]/g, '');
}
