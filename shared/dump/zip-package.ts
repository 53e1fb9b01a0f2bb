/**
 * Tells a zip that is one document (an OOXML, ODF, EPUB or JAR package) from a zip that holds files, by the names
 * of the members whose local headers lie in the first bytes: cheap (no central directory, nothing inflated) and
 * reliable, because each package format puts its marker first. ODF and EPUB require a stored `mimetype` member
 * first; OOXML writers put `[Content_Types].xml` (Office) or `_rels/.rels` / `docProps/` (some libraries) first;
 * a JAR starts with `META-INF/` and its `MANIFEST.MF`.
 */

export type ZipPackageKind = 'ooxml' | 'odf-or-epub' | 'jar';

const LOCAL_HEADER = 0x04034b50;
const LOCAL_HEADER_BYTES = 30;
/** Members looked at, at most: the markers are among the first few. */
const MAX_MEMBERS_LOOKED_AT = 8;

/** The package a zip is, judged from its first bytes (`head`, a few KB), or null for a zip of files. */
export function zipPackageKind(head: Buffer): ZipPackageKind | null {
  for (const [index, name] of leadingMemberNames(head).entries()) {
    if (name === '[Content_Types].xml' || name === '_rels/.rels' || name.startsWith('docProps/')) return 'ooxml';
    if (index === 0 && name === 'mimetype') return 'odf-or-epub';
    if (name === 'META-INF/MANIFEST.MF' || (index === 0 && name === 'META-INF/')) return 'jar';
  }
  return null;
}

/** Names of the members whose local headers lie whole in `head`, from the start, as far as their sizes say. */
function leadingMemberNames(head: Buffer): string[] {
  const names: string[] = [];
  let at = 0;
  while (names.length < MAX_MEMBERS_LOOKED_AT && at + LOCAL_HEADER_BYTES <= head.length && head.readUInt32LE(at) === LOCAL_HEADER) {
    const flags = head.readUInt16LE(at + 6);
    const compressedSize = head.readUInt32LE(at + 18);
    const nameLength = head.readUInt16LE(at + 26);
    const extraLength = head.readUInt16LE(at + 28);
    const nameEnd = at + LOCAL_HEADER_BYTES + nameLength;
    if (nameEnd > head.length) break;
    names.push(head.subarray(at + LOCAL_HEADER_BYTES, nameEnd).toString('latin1'));
    // Sizes in a data descriptor (bit 3) or ZIP64's extra field: the next header's place is unknown; stop here.
    if (flags & 0x8 || compressedSize === 0xffffffff) break;
    at = nameEnd + extraLength + compressedSize;
  }
  return names;
}
