import { createHash } from 'node:crypto';
import type { FileMetadata } from '../contract.ts';
import { FieldSet, metadata } from './fields.ts';
import { PDF_READ_TIMEOUT_MS } from './limits.ts';
import { worthOpening } from './pdf-keys.ts';
import { bombedStream } from './pdf-streams.ts';
import { child, parseMetadataXml, textOf, type XmlNode } from './xml.ts';

type PdfJs = typeof import('unpdf/pdfjs');

let pdfjs: Promise<PdfJs> | undefined;

/** pdf.js, loaded the first time a PDF appears (1.7 MB of code the mail-only path never needs). */
function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= import('unpdf').then(({ getResolvedPDFJS }) => getResolvedPDFJS() as Promise<PdfJs>);
  return pdfjs;
}

/**
 * PDF: the Info dictionary (Title, Author, Creator, Producer, CreationDate, ModDate), the XMP packet
 * (xmpMM:DocumentID and InstanceID, dates, creator tool) and the trailer's /ID, read with pdf.js (through
 * unpdf, its build for servers), which fetches only the objects these need and rebuilds a damaged xref.
 * Bounded: streams are test-inflated first (pdf-streams.ts), and reading is given up after PDF_READ_TIMEOUT_MS.
 * A PDF that names its catalog but no Info, ID, XMP or object stream has none of these (pdf-keys.ts): it is
 * answered without test-inflating its streams or loading pdf.js.
 */
export async function readPdf(bytes: Uint8Array): Promise<FileMetadata> {
  const fields = new FieldSet();
  const notes: string[] = [];
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (!worthOpening(buffer)) return metadata('pdf', fields, null, notes);
  const bomb = bombedStream(buffer);
  if (bomb) return metadata('pdf', fields, null, [bomb]);
  const { getDocument, PDFDateString } = await loadPdfJs();
  // pdf.js takes (detaches) the buffer it is given: hand it a copy, the caller still needs its bytes.
  const task = getDocument({ data: new Uint8Array(bytes), stopAtErrors: false, verbosity: 0, disableFontFace: true, useSystemFonts: false });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not read within ${PDF_READ_TIMEOUT_MS} ms`)), PDF_READ_TIMEOUT_MS);
  });
  try {
    const document = await Promise.race([task.promise, timeout]);
    const { info, metadata: xmp } = await Promise.race([document.getMetadata(), timeout]);
    const dictionary = info as Record<string, unknown>;
    const pdfDate = (value: unknown) => (typeof value === 'string' ? (PDFDateString.toDateObject(value) ?? value) : undefined);
    fields.set('title', dictionary.Title);
    fields.set('author', dictionary.Author);
    fields.set('application', dictionary.Creator);
    fields.set('producer', dictionary.Producer);
    fields.setDate('created', pdfDate(dictionary.CreationDate));
    fields.setDate('modified', pdfDate(dictionary.ModDate));
    fields.set('documentId', trailerId(document.fingerprints[0] ?? undefined, buffer));
    if (xmp) readXmp(xmp.getRaw() as string, fields, notes);
  } catch (error) {
    notes.push(`PDF unreadable: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 160)}`);
  } finally {
    clearTimeout(timer);
    await task.destroy().catch(() => {});
  }
  return metadata('pdf', fields, null, notes);
}

/**
 * pdf.js's first fingerprint is the trailer's /ID[0] when that is a proper 16-byte ID, and otherwise an MD5 of
 * the file's first kilobyte: only the former is an identity the document keeps across edits.
 */
function trailerId(fingerprint: string | undefined, bytes: Buffer): string | undefined {
  if (!fingerprint) return undefined;
  const firstKilobyte = createHash('md5').update(bytes.subarray(0, 1024)).digest('hex');
  return fingerprint === firstKilobyte ? undefined : fingerprint;
}

/** The XMP packet's fields, where the Info dictionary left them empty (the Info dictionary is read first). */
function readXmp(raw: string, fields: FieldSet, notes: string[]): void {
  try {
    const description = child(child(child(parseMetadataXml(Buffer.from(raw, 'utf8'), 'XMP'), 'xmpmeta'), 'RDF'), 'Description');
    // Several rdf:Description elements are common (one per schema): look in each, attributes and elements alike.
    const descriptions = (Array.isArray(description) ? description : [description]) as XmlNode[];
    const value = (name: string) => {
      for (const d of descriptions) {
        const found = textOf(child(d, name)) ?? textOf(child(d, `@${name}`));
        if (found !== undefined) return found;
      }
      return undefined;
    };
    const documentId = value('DocumentID');
    if (documentId !== undefined && !fields.fields.documentId) fields.set('documentId', documentId);
    fields.set('instanceId', value('InstanceID'));
    fields.set('title', value('title'));
    fields.set('author', value('creator'));
    fields.set('application', value('CreatorTool'));
    fields.set('producer', value('Producer'));
    fields.setDate('created', value('CreateDate'));
    fields.setDate('modified', value('ModifyDate'));
  } catch (error) {
    notes.push((error as Error).message);
  }
}
