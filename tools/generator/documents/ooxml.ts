import { xmlText, w3cDate, zipPackage, type PackageMember } from './zip-package.ts';

/**
 * Builds real OOXML files (.docx, .xlsx, .pptx) with chosen document properties: the fixtures the metadata
 * readers are tested on and the attachments and loose documents of the example dump. Word and Excel open the
 * .docx and .xlsx; the .pptx holds only a presentation part and one slide, enough for type detection and metadata.
 */

/** docProps/core.xml and docProps/app.xml: what Office writes and the readers read. Absent: not written. */
export interface OfficeProperties {
  title?: string;
  /** dc:creator */
  creator?: string;
  /** cp:lastModifiedBy */
  lastModifiedBy?: string;
  /** dcterms:created */
  created?: Date;
  /** dcterms:modified */
  modified?: Date;
  /** cp:revision */
  revision?: number;
  /** app.xml Application, e.g. "Microsoft Office Word" */
  application?: string;
  /** app.xml AppVersion, e.g. "16.0000" */
  appVersion?: string;
  company?: string;
  /** app.xml Template, e.g. "Normal.dotm" */
  template?: string;
  /** app.xml TotalTime: editing minutes */
  totalTime?: number;
}

export type OfficeContent =
  | { kind: 'docx'; paragraphs: readonly string[] }
  | { kind: 'xlsx'; rows: readonly (readonly (string | number)[])[] }
  | { kind: 'pptx'; slides: readonly string[] };

const CORE_NS =
  'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
  'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const OFFICE_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

export async function buildOfficeDocument(content: OfficeContent, properties: OfficeProperties = {}): Promise<Buffer> {
  const main = mainParts(content);
  const members: PackageMember[] = [
    { name: '[Content_Types].xml', data: contentTypes(main.overrides) },
    { name: '_rels/.rels', data: packageRels(main.mainPart) },
    ...main.parts,
    { name: 'docProps/core.xml', data: coreXml(properties) },
    { name: 'docProps/app.xml', data: appXml(properties) },
  ];
  return zipPackage(members);
}

export function coreXml(p: OfficeProperties): string {
  const element = (tag: string, value: string | undefined, attributes = '') =>
    value === undefined ? '' : `<${tag}${attributes}>${xmlText(value)}</${tag}>`;
  const date = (tag: string, value: Date | undefined) => element(tag, value && w3cDate(value), ' xsi:type="dcterms:W3CDTF"');
  return (
    `${XML_HEAD}<cp:coreProperties ${CORE_NS}>` +
    element('dc:title', p.title) +
    element('dc:creator', p.creator) +
    element('cp:lastModifiedBy', p.lastModifiedBy) +
    element('cp:revision', p.revision?.toString()) +
    date('dcterms:created', p.created) +
    date('dcterms:modified', p.modified) +
    '</cp:coreProperties>'
  );
}

export function appXml(p: OfficeProperties): string {
  const element = (tag: string, value: string | undefined) => (value === undefined ? '' : `<${tag}>${xmlText(value)}</${tag}>`);
  return (
    `${XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" ` +
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">' +
    element('Template', p.template) +
    element('TotalTime', p.totalTime?.toString()) +
    element('Application', p.application) +
    element('Company', p.company) +
    element('AppVersion', p.appVersion) +
    '</Properties>'
  );
}

interface MainParts {
  mainPart: string;
  parts: PackageMember[];
  overrides: [part: string, type: string][];
}

function mainParts(content: OfficeContent): MainParts {
  switch (content.kind) {
    case 'docx':
      return {
        mainPart: 'word/document.xml',
        parts: [{ name: 'word/document.xml', data: documentXml(content.paragraphs) }],
        overrides: [['/word/document.xml', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml']],
      };
    case 'xlsx':
      return {
        mainPart: 'xl/workbook.xml',
        parts: [
          {
            name: 'xl/workbook.xml',
            data:
              `${XML_HEAD}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${OFFICE_REL}">` +
              '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
          },
          { name: 'xl/_rels/workbook.xml.rels', data: rels([['rId1', `${OFFICE_REL}/worksheet`, 'worksheets/sheet1.xml']]) },
          { name: 'xl/worksheets/sheet1.xml', data: sheetXml(content.rows) },
        ],
        overrides: [
          ['/xl/workbook.xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml'],
          ['/xl/worksheets/sheet1.xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml'],
        ],
      };
    case 'pptx': {
      const slides = content.slides.map((text, i) => ({ name: `ppt/slides/slide${i + 1}.xml`, data: slideXml(text) }));
      return {
        mainPart: 'ppt/presentation.xml',
        parts: [
          {
            name: 'ppt/presentation.xml',
            data:
              `${XML_HEAD}<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="${OFFICE_REL}">` +
              `<p:sldIdLst>${slides.map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 1}"/>`).join('')}</p:sldIdLst>` +
              '<p:sldSz cx="9144000" cy="6858000"/></p:presentation>',
          },
          { name: 'ppt/_rels/presentation.xml.rels', data: rels(slides.map((_, i) => [`rId${i + 1}`, `${OFFICE_REL}/slide`, `slides/slide${i + 1}.xml`])) },
          ...slides,
        ],
        overrides: [
          ['/ppt/presentation.xml', 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml'],
          ...slides.map((s): [string, string] => [`/${s.name}`, 'application/vnd.openxmlformats-officedocument.presentationml.slide+xml']),
        ],
      };
    }
  }
}

function contentTypes(overrides: readonly [string, string][]): string {
  const all: [string, string][] = [
    ...overrides,
    ['/docProps/core.xml', 'application/vnd.openxmlformats-package.core-properties+xml'],
    ['/docProps/app.xml', 'application/vnd.openxmlformats-officedocument.extended-properties+xml'],
  ];
  return (
    `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    all.map(([part, type]) => `<Override PartName="${part}" ContentType="${type}"/>`).join('') +
    '</Types>'
  );
}

function packageRels(mainPart: string): string {
  return rels([
    ['rId1', `${OFFICE_REL}/officeDocument`, mainPart],
    ['rId2', 'http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties', 'docProps/core.xml'],
    ['rId3', `${OFFICE_REL}/extended-properties`, 'docProps/app.xml'],
  ]);
}

function rels(entries: readonly [id: string, type: string, target: string][]): string {
  return (
    `${XML_HEAD}<Relationships xmlns="${REL_NS}">` +
    entries.map(([id, type, target]) => `<Relationship Id="${id}" Type="${type}" Target="${target}"/>`).join('') +
    '</Relationships>'
  );
}

function documentXml(paragraphs: readonly string[]): string {
  return (
    `${XML_HEAD}<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
    paragraphs.map((text) => `<w:p><w:r><w:t xml:space="preserve">${xmlText(text)}</w:t></w:r></w:p>`).join('') +
    '</w:body></w:document>'
  );
}

function sheetXml(rows: readonly (readonly (string | number)[])[]): string {
  const cell = (value: string | number, ref: string) =>
    typeof value === 'number'
      ? `<c r="${ref}"><v>${value}</v></c>`
      : `<c r="${ref}" t="inlineStr"><is><t>${xmlText(value)}</t></is></c>`;
  return (
    `${XML_HEAD}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
    rows
      .map((row, r) => `<row r="${r + 1}">${row.map((value, c) => cell(value, `${columnName(c)}${r + 1}`)).join('')}</row>`)
      .join('') +
    '</sheetData></worksheet>'
  );
}

/** 0 → A, 25 → Z, 26 → AA. */
function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function slideXml(text: string): string {
  return (
    `${XML_HEAD}<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">` +
    '<p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>' +
    '<p:sp><p:nvSpPr><p:cNvPr id="2" name="Title"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/>' +
    `<p:txBody><a:bodyPr/><a:p><a:r><a:t>${xmlText(text)}</a:t></a:r></a:p></p:txBody></p:sp>` +
    '</p:spTree></p:cSld></p:sld>'
  );
}
