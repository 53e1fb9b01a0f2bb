import { xmlText } from './zip-package.ts';

/**
 * Builds a real PDF with chosen metadata in the three places readers look: the Info dictionary, an XMP metadata
 * stream (xmpMM:DocumentID/InstanceID, dates, creator tool), and the trailer's /ID pair. One page of text.
 */
export interface PdfProperties {
  title?: string;
  author?: string;
  /** /Creator: the application that made the original, e.g. "Microsoft Word" */
  creator?: string;
  /** /Producer: the library that wrote the PDF */
  producer?: string;
  created?: Date;
  modified?: Date;
  /** xmpMM:DocumentID, e.g. "uuid:…" (written with the XMP when any XMP field is given) */
  documentId?: string;
  /** xmpMM:InstanceID */
  instanceId?: string;
  /** Trailer /ID: [permanent, changing], as hex strings; omitted when absent. */
  fileId?: [string, string];
}

export function buildPdf(lines: readonly string[], properties: PdfProperties = {}): Buffer {
  const text = lines
    .map((line, i) => `BT /F1 12 Tf 72 ${760 - i * 16} Td (${line.replace(/[()\\]/g, '\\$&')}) Tj ET`)
    .join('\n');
  const objects: string[] = [
    '<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    stream('', text),
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    stream('/Type /Metadata /Subtype /XML ', xmp(properties)),
    infoDictionary(properties),
  ];
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  const id = properties.fileId ? ` /ID [<${properties.fileId[0]}> <${properties.fileId[1]}>]` : '';
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 7 0 R${id} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A PDF date: D:YYYYMMDDHHmmSS+00'00'. */
export function pdfDate(date: Date): string {
  const iso = date.toISOString();
  return `D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}+00'00'`;
}

function stream(dictionary: string, content: string): string {
  // The XMP is UTF-8; the file is assembled as latin1, so carry the UTF-8 bytes through as latin1 characters.
  const bytes = Buffer.from(content, 'utf8').toString('latin1');
  return `<< ${dictionary}/Length ${bytes.length} >>\nstream\n${bytes}\nendstream`;
}

function infoDictionary(p: PdfProperties): string {
  // Info strings are written as UTF-16BE hex with a byte-order mark, so any script survives.
  const entry = (key: string, value: string | undefined) =>
    value === undefined ? '' : ` /${key} <FEFF${Buffer.from(value, 'utf16le').swap16().toString('hex').toUpperCase()}>`;
  const date = (key: string, value: Date | undefined) => (value === undefined ? '' : ` /${key} (${pdfDate(value)})`);
  return (
    `<<${entry('Title', p.title)}${entry('Author', p.author)}${entry('Creator', p.creator)}${entry('Producer', p.producer)}` +
    `${date('CreationDate', p.created)}${date('ModDate', p.modified)} >>`
  );
}

function xmp(p: PdfProperties): string {
  const element = (tag: string, value: string | undefined) => (value === undefined ? '' : `<${tag}>${xmlText(value)}</${tag}>`);
  const iso = (date: Date | undefined) => date?.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const creator = p.author === undefined ? '' : `<dc:creator><rdf:Seq><rdf:li>${xmlText(p.author)}</rdf:li></rdf:Seq></dc:creator>`;
  const title = p.title === undefined ? '' : `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xmlText(p.title)}</rdf:li></rdf:Alt></dc:title>`;
  return (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" ' +
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">' +
    element('xmp:CreatorTool', p.creator) +
    element('xmp:CreateDate', iso(p.created)) +
    element('xmp:ModifyDate', iso(p.modified)) +
    element('pdf:Producer', p.producer) +
    element('xmpMM:DocumentID', p.documentId) +
    element('xmpMM:InstanceID', p.instanceId) +
    creator +
    title +
    '</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>'
  );
}
