/**
 * Where `leakproof upload` puts a dump: under the uploads prefix, in a folder named by the start of the file's
 * SHA-256, under the file's own name (which is the dump's name). Another file of the same name never replaces
 * an object whose dump may still be read by key, and the same file uploaded again lands on the same key.
 */
export function uploadKey(uploadsPrefix: string, sha256: string, name: string): string {
  return `${uploadsPrefix}${sha256.slice(0, 16)}/${name}`;
}
