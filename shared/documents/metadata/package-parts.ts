import { createHash } from 'node:crypto';
import yauzl from 'yauzl';
import type { PackagePart } from '../contract.ts';
import { describeError } from '../../dump/errors.ts';
import { listMembers, ZIP_OPEN_OPTIONS } from '../../dump/zip.ts';
import { memberToItem } from '../../dump/zip-member.ts';
import { MAX_METADATA_XML_BYTES, MAX_PACKAGE_INFLATED_BYTES, MAX_PACKAGE_PARTS } from './limits.ts';

export interface PackageContents {
  /** Every part (up to MAX_PACKAGE_PARTS), sorted by name: name, inflated size, SHA-256. */
  parts: PackagePart[];
  /** The bytes of the wanted parts that were found and small enough to parse. */
  wanted: Map<string, Buffer>;
  /** Why the list is incomplete: a cap, a damaged or bombed part. */
  notes: string[];
}

/**
 * Reads a zip package (OOXML, ODF) held in memory with the dump's own zip reading (shared/dump): each part is
 * inflated as a stream that stops at its recorded size and at the dump's inflation ratio, and checked against
 * its CRC-32, so a bomb part costs what its cap allows and is named in a note. Hashes every part and keeps the
 * bytes of `wanted` ones. Throws (one line) only when the package has no readable central directory.
 */
export async function readPackage(bytes: Uint8Array, wanted: readonly string[]): Promise<PackageContents> {
  let zipfile: yauzl.ZipFile;
  try {
    zipfile = await yauzl.fromBufferPromise(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), ZIP_OPEN_OPTIONS);
  } catch (error) {
    throw new Error(`package unreadable: ${describeError(error)}`);
  }
  const parts: PackagePart[] = [];
  const found = new Map<string, Buffer>();
  const notes: string[] = [];
  let inflated = 0;
  try {
    for await (const { member, open } of listMembers(zipfile)) {
      if (parts.length >= MAX_PACKAGE_PARTS) {
        notes.push(`more than ${MAX_PACKAGE_PARTS} parts: the rest not listed`);
        break;
      }
      const item = memberToItem(member, '', open);
      if (item === undefined) continue; // a folder
      if (item.kind === 'error') {
        notes.push(`part ${member.name}: ${item.reason}`);
        continue;
      }
      if (inflated + member.uncompressedSize > MAX_PACKAGE_INFLATED_BYTES) {
        notes.push(`parts past ${MAX_PACKAGE_INFLATED_BYTES} inflated bytes not hashed, from ${member.name} on`);
        break;
      }
      inflated += member.uncompressedSize;
      const keep = wanted.includes(member.name) && member.uncompressedSize <= MAX_METADATA_XML_BYTES;
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of item.read()) {
          hash.update(chunk);
          size += chunk.length;
          if (keep) chunks.push(chunk);
        }
      } catch (error) {
        notes.push(`part ${member.name}: ${describeError(error)}`);
        continue;
      }
      parts.push({ name: member.name, size, sha256: hash.digest('hex') });
      if (keep) found.set(member.name, Buffer.concat(chunks));
    }
  } catch (error) {
    notes.push(`package damaged after ${parts.length} parts: ${describeError(error)}`);
  } finally {
    zipfile.close();
  }
  parts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { parts, wanted: found, notes };
}
