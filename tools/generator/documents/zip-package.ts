import { ZipFile } from 'yazl';

/** One member of a package, in the order it is written. */
export interface PackageMember {
  name: string;
  data: string | Buffer;
  /** Stored instead of deflated: ODF's `mimetype` must be the first member, stored, for readers to sniff it. */
  store?: boolean;
}

/**
 * Every member carries this time, so the same inputs give the same bytes on every run and machine (a zip
 * member's time is part of its local header).
 */
const MEMBER_TIME = new Date(Date.UTC(2017, 0, 1, 0, 0, 0));

/** A zip package (OOXML, ODF) held in memory: these are small documents, for tests and the example dump. */
export async function zipPackage(members: readonly PackageMember[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const member of members) {
    const data = typeof member.data === 'string' ? Buffer.from(member.data, 'utf8') : member.data;
    zip.addBuffer(data, member.name, { mtime: MEMBER_TIME, mode: 0o100644, compress: !member.store });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Text made safe for XML character data and attribute values. */
export function xmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A date as the W3CDTF OOXML and ODF write (whole seconds, UTC). */
export function w3cDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
