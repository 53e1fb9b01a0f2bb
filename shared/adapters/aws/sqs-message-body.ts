/**
 * A value as an SQS message body. SQS refuses a body holding a character outside #x9 | #xA | #xD | #x20-#xD7FF |
 * #xE000-#xFFFD (its documentation also lists #x10000-#x10FFFF; emulators such as fauxqs refuse those, so they
 * are escaped as well), and a job's locators are names from a dump, which may hold any character.
 * JSON.stringify already writes control characters and lone surrogates as \u escapes; U+FFFE, U+FFFF and
 * characters beyond U+FFFF (a surrogate pair) it writes as they are, so they are escaped here (they can only stand
 * inside a JSON string). JSON.parse reads the body back to the same value.
 */
const REFUSED_BY_SQS = /[\uFFFE\uFFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

const escaped = (unit: number): string => `\\u${unit.toString(16).padStart(4, '0')}`;

export function sqsMessageBody(value: unknown): string {
  return JSON.stringify(value).replace(REFUSED_BY_SQS, (text) => [...Array(text.length).keys()].map((i) => escaped(text.charCodeAt(i))).join(''));
}

/** Whether a body holds only the characters SQS takes in every implementation (see above). */
export function isSqsText(body: string): boolean {
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    const allowed = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd);
    if (!allowed) return false;
  }
  return true;
}
