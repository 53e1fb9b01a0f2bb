import { trimFws, withoutFws } from './ascii.ts';

/**
 * RFC 6376 §3.2 tag=value lists, as used by DKIM-Signature fields and key records. Values keep their inner
 * text; surrounding folding white space (SP, HTAB, CR, LF; never other bytes) is removed. A duplicated tag
 * makes the list invalid (RFC 6376 §3.2).
 */
export type TagList = Map<string, string>;

const TAG_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function parseTagList(text: string): TagList {
  const tags: TagList = new Map();
  for (const part of text.split(';')) {
    if (trimFws(part) === '') continue;
    const eq = part.indexOf('=');
    if (eq === -1) throw new Error(`tag without "=": ${JSON.stringify(trimFws(part).slice(0, 40))}`);
    const name = trimFws(part.slice(0, eq));
    if (!TAG_NAME.test(name)) throw new Error(`invalid tag name ${JSON.stringify(name.slice(0, 40))}`);
    if (tags.has(name)) throw new Error(`duplicate tag "${name}"`);
    tags.set(name, trimFws(part.slice(eq + 1)));
  }
  return tags;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A base64 tag value (b=, bh=, p=), which may be folded with white space anywhere; null when anything else is
 * in it. Node's base64 decoder skips bytes it does not know, so without this check junk in b= would verify.
 */
export function base64Value(value: string): string | null {
  const data = withoutFws(value);
  return BASE64.test(data) && data.length % 4 !== 1 ? data : null;
}
