/** The part of libmime (no types of its own) that Leakproof uses: header value parsing and RFC 2047 words. */
declare module 'libmime' {
  interface ParsedHeaderValue {
    value: string | false;
    params: Record<string, string>;
  }
  interface Libmime {
    /** Value and parameters of a structured field (Content-Type, Content-Disposition), RFC 2231 continuations and charsets decoded. */
    parseHeaderValue(value: string): ParsedHeaderValue;
    /** Decodes the RFC 2047 encoded words in a text. */
    decodeWords(text: string): string;
    /** The canonical name of a charset label ("latin1" → "ISO-8859-1"). */
    normalizeCharset(charset: string): string;
  }
  const libmime: Libmime;
  export default libmime;
}
