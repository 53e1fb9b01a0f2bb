/**
 * A message's name in URLs: base64url of its locator key. Locator keys hold "/", "#" and "!" (and whatever a
 * dump's file names hold), which a path segment cannot carry as they are; base64url can, and needs no escaping.
 */

export function messageKeyOf(locator: string): string {
  return Buffer.from(locator, 'utf8').toString('base64url');
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The locator key a message key names, or null when it is not one messageKeyOf could have made. */
export function locatorOfMessageKey(key: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) return null;
  const bytes = Buffer.from(key, 'base64url');
  // Buffer's decoder forgives stray bits; a key that does not round-trip was not made here.
  if (bytes.toString('base64url') !== key) return null;
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}
