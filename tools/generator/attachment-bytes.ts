import { crc32, deflateSync } from 'node:zlib';
import type { Prng } from './prng.ts';

/**
 * Attachment payloads. They only need to look like what they claim (magic bytes, structure) and weigh what
 * the benchmark asks; their bulk is seeded random bytes, incompressible like the deflated streams of real
 * PDFs and DOCX files.
 */

/** A PDF-shaped file of `size` bytes: header, a few objects, one big stream, trailer. */
export function pdfLike(prng: Prng, size: number): Buffer {
  const head = Buffer.from(
    '%PDF-1.5\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n' +
      '2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n' +
      '3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n',
    'latin1',
  );
  const tail = Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
  const streamHeadFor = (length: number) => Buffer.from(`4 0 obj\n<< /Length ${length} /Filter /FlateDecode >>\nstream\n`, 'latin1');
  const room = size - head.length - tail.length;
  const streamLength = Math.max(0, room - streamHeadFor(room).length);
  const streamHead = streamHeadFor(streamLength);
  const stream = prng.fill(Buffer.allocUnsafe(streamLength));
  return Buffer.concat([head, streamHead, stream, tail]);
}

/** A DOCX-shaped file: a zip local header for [Content_Types].xml, then seeded bytes. */
export function docxLike(prng: Prng, size: number): Buffer {
  const name = Buffer.from('[Content_Types].xml', 'latin1');
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(8, 8); // deflate
  header.writeUInt16LE(name.length, 26);
  const rest = prng.fill(Buffer.allocUnsafe(Math.max(0, size - header.length - name.length)));
  return Buffer.concat([header, name, rest]);
}

/** A valid PNG of seeded noise: the kind of image a mailbox export leaves next to the messages. */
export function pngImage(prng: Prng, width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.concat([Buffer.from([0]), prng.fill(Buffer.allocUnsafe(width * 3))]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
