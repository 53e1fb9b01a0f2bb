import { xmlText, w3cDate, zipPackage } from './zip-package.ts';

/**
 * Builds a real OpenDocument text (.odt) with a chosen meta.xml: `mimetype` first and stored, a manifest, the
 * content and the metadata, as LibreOffice writes them (LibreOffice opens it).
 */
export interface OdfProperties {
  title?: string;
  /** meta:initial-creator: who made the document */
  initialCreator?: string;
  /** dc:creator: who saved it last */
  creator?: string;
  /** meta:creation-date */
  created?: Date;
  /** dc:date: last saved */
  modified?: Date;
  /** meta:editing-cycles */
  editingCycles?: number;
  /** meta:editing-duration, in minutes (written as an ISO 8601 duration) */
  editingMinutes?: number;
  /** meta:generator, e.g. "LibreOffice/7.5.4.2$Linux_X86_64 LibreOffice_project/..." */
  generator?: string;
}

const TEXT_TYPE = 'application/vnd.oasis.opendocument.text';
const OFFICE_NS = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"';

export async function buildOdt(paragraphs: readonly string[], properties: OdfProperties = {}): Promise<Buffer> {
  return zipPackage([
    { name: 'mimetype', data: TEXT_TYPE, store: true },
    {
      name: 'META-INF/manifest.xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">' +
        `<manifest:file-entry manifest:full-path="/" manifest:media-type="${TEXT_TYPE}"/>` +
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>' +
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>' +
        '</manifest:manifest>',
    },
    {
      name: 'content.xml',
      data:
        `<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content ${OFFICE_NS} xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">` +
        `<office:body><office:text>${paragraphs.map((p) => `<text:p>${xmlText(p)}</text:p>`).join('')}</office:text></office:body>` +
        '</office:document-content>',
    },
    { name: 'meta.xml', data: metaXml(properties) },
  ]);
}

export function metaXml(p: OdfProperties): string {
  const element = (tag: string, value: string | undefined) => (value === undefined ? '' : `<${tag}>${xmlText(value)}</${tag}>`);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta ${OFFICE_NS} xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" ` +
    'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"><office:meta>' +
    element('meta:generator', p.generator) +
    element('dc:title', p.title) +
    element('meta:initial-creator', p.initialCreator) +
    element('dc:creator', p.creator) +
    element('meta:creation-date', p.created && w3cDate(p.created)) +
    element('dc:date', p.modified && w3cDate(p.modified)) +
    element('meta:editing-cycles', p.editingCycles?.toString()) +
    element('meta:editing-duration', p.editingMinutes === undefined ? undefined : isoDuration(p.editingMinutes)) +
    '</office:meta></office:document-meta>'
  );
}

/** 125 minutes → PT2H5M0S, as LibreOffice writes editing time. */
function isoDuration(minutes: number): string {
  return `PT${Math.floor(minutes / 60)}H${minutes % 60}M0S`;
}
