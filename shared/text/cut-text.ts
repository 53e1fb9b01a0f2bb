/**
 * Text shown to people or stored under a bound (a reason, a detail): cut so that, with the "…" that says it was
 * cut, it is at most `maxChars` UTF-16 units long. Shorter text is returned as it is.
 */
export function cutText(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
