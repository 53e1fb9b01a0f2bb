import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { detectType } from '../../../../shared/documents/detect-type.ts';
import { readMetadata } from '../../../../shared/documents/metadata/read-metadata.ts';
import { MAX_METADATA_INPUT_BYTES } from '../../../../shared/documents/metadata/limits.ts';
import { buildJpeg, buildOdt, buildOfficeDocument, buildPdf } from '../../../../tools/generator/documents/index.ts';

const created = new Date('2017-04-28T09:15:00Z');
const modified = new Date('2017-05-03T18:42:10Z');

async function read(bytes: Buffer, name: string) {
  return readMetadata(bytes, await detectType(bytes), name);
}

describe('readMetadata: OOXML', () => {
  const properties = {
    title: 'Budget T2',
    creator: 'Anne Dupont',
    lastModifiedBy: 'Сергей Петров',
    created,
    modified,
    revision: 7,
    application: 'Microsoft Office Word',
    appVersion: '16.0000',
    company: 'En Marche',
    template: 'Normal.dotm',
    totalTime: 95,
  };

  it('reads core.xml and app.xml of a .docx and lists its parts with sizes and hashes', async () => {
    const docx = await buildOfficeDocument({ kind: 'docx', paragraphs: ['Réunion du 2 mai & suites'] }, properties);
    const metadata = await read(docx, 'note.docx');
    expect(metadata).toMatchObject({ format: 'ooxml', note: null });
    expect(metadata!.fields).toEqual({
      title: 'Budget T2',
      author: 'Anne Dupont',
      lastModifiedBy: 'Сергей Петров',
      created: '2017-04-28T09:15:00.000Z',
      modified: '2017-05-03T18:42:10.000Z',
      revision: '7',
      application: 'Microsoft Office Word',
      applicationVersion: '16.0000',
      company: 'En Marche',
      template: 'Normal.dotm',
      totalEditingMinutes: '95',
    });
    const names = metadata!.parts!.map((p) => p.name);
    expect(names).toEqual(['[Content_Types].xml', '_rels/.rels', 'docProps/app.xml', 'docProps/core.xml', 'word/document.xml']);
    const body = metadata!.parts!.find((p) => p.name === 'word/document.xml')!;
    expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body.size).toBeGreaterThan(0);
  });

  it('tells two copies apart part by part: a changed cell changes only the sheet', async () => {
    const rows = (amount: number) => [['Poste', 'Montant'], ['Salle', amount]];
    const a = await read(await buildOfficeDocument({ kind: 'xlsx', rows: rows(1200) }, properties), 'a.xlsx');
    const b = await read(await buildOfficeDocument({ kind: 'xlsx', rows: rows(12000) }, properties), 'a.xlsx');
    const differing = a!.parts!.filter((part, i) => part.sha256 !== b!.parts![i]!.sha256).map((p) => p.name);
    expect(differing).toEqual(['xl/worksheets/sheet1.xml']);
    expect(a!.fields.author).toBe('Anne Dupont');
  });

  it('reads a .pptx, and a package file-type calls a plain zip by its extension', async () => {
    const pptx = await buildOfficeDocument({ kind: 'pptx', slides: ['Plan'] }, { creator: 'Anne Dupont' });
    expect((await read(pptx, 'deck.pptx'))!.fields.author).toBe('Anne Dupont');
    expect((await readMetadata(pptx, 'application/zip', 'deck.pptx'))!.format).toBe('ooxml');
    expect(await readMetadata(pptx, 'application/zip', 'archive.zip')).toBeNull();
  });
});

describe('readMetadata: ODF', () => {
  it('reads meta.xml of an .odt: initial creator as author, last saver, dates, cycles, generator, editing time', async () => {
    const odt = await buildOdt(['Compte rendu'], {
      title: 'CR',
      initialCreator: 'Anne Dupont',
      creator: 'Paul Martin',
      created,
      modified,
      editingCycles: 4,
      editingMinutes: 125,
      generator: 'LibreOffice/7.5.4.2$Linux_X86_64',
    });
    const metadata = await read(odt, 'cr.odt');
    expect(metadata).toMatchObject({ format: 'odf', note: null });
    expect(metadata!.fields).toEqual({
      title: 'CR',
      author: 'Anne Dupont',
      lastModifiedBy: 'Paul Martin',
      created: '2017-04-28T09:15:00.000Z',
      modified: '2017-05-03T18:42:10.000Z',
      revision: '4',
      application: 'LibreOffice/7.5.4.2$Linux_X86_64',
      totalEditingMinutes: '125',
    });
    expect(metadata!.parts!.map((p) => p.name)).toContain('meta.xml');
  });
});

describe('readMetadata: PDF', () => {
  it('reads the Info dictionary, the XMP instance ID and the trailer /ID as the document identity', async () => {
    const pdf = buildPdf(['Contrat'], {
      title: 'Contrat de prestation',
      author: 'Сергей Петров',
      creator: 'Microsoft Word',
      producer: 'macOS Version 10.12.4 Quartz PDFContext',
      created,
      modified,
      documentId: 'uuid:0f6b5a8e-4d2c-4e0b-9d7a-1c2b3d4e5f60',
      instanceId: 'uuid:aa6b5a8e-4d2c-4e0b-9d7a-1c2b3d4e5f61',
      fileId: ['0123456789abcdef0123456789abcdef', 'fedcba9876543210fedcba9876543210'],
    });
    const metadata = await read(pdf, 'contrat.pdf');
    expect(metadata).toMatchObject({ format: 'pdf', parts: null, note: null });
    expect(metadata!.fields).toEqual({
      title: 'Contrat de prestation',
      author: 'Сергей Петров',
      application: 'Microsoft Word',
      producer: 'macOS Version 10.12.4 Quartz PDFContext',
      created: '2017-04-28T09:15:00.000Z',
      modified: '2017-05-03T18:42:10.000Z',
      documentId: '0123456789abcdef0123456789abcdef',
      instanceId: 'uuid:aa6b5a8e-4d2c-4e0b-9d7a-1c2b3d4e5f61',
    });
  });

  it('takes xmpMM:DocumentID when the trailer has no /ID (never a hash of the first kilobyte)', async () => {
    const pdf = buildPdf(['x'], { documentId: 'uuid:0f6b5a8e-4d2c-4e0b-9d7a-1c2b3d4e5f60' });
    expect((await read(pdf, 'x.pdf'))!.fields.documentId).toBe('uuid:0f6b5a8e-4d2c-4e0b-9d7a-1c2b3d4e5f60');
    const bare = await read(buildPdf(['x']), 'x.pdf');
    expect(bare!.fields.documentId).toBeUndefined();
    expect(bare!.note).toBeNull();
  });
});

describe('readMetadata: EXIF', () => {
  it('reads camera, original time (local, as written), software and GPS of a JPEG', async () => {
    const jpeg = buildJpeg({ make: 'Apple', model: 'iPhone 7', software: '10.3.1', originalTime: created, gps: { latitude: 48.856613, longitude: -2.352222 } });
    const metadata = await read(jpeg, 'IMG_0042.JPG');
    expect(metadata).toMatchObject({ format: 'exif', parts: null, note: null });
    expect(metadata!.fields).toEqual({ camera: 'Apple iPhone 7', originalTime: '2017-04-28T09:15:00', software: '10.3.1', gps: '48.856613,-2.352222' });
  });

  it('does not repeat a make the model already names', async () => {
    const jpeg = buildJpeg({ make: 'Canon', model: 'Canon EOS 5D Mark III' });
    expect((await read(jpeg, 'a.jpg'))!.fields).toEqual({ camera: 'Canon EOS 5D Mark III' });
  });
});

describe('readMetadata: what it leaves alone', () => {
  it('returns null for formats without a reader and for files over the input cap', async () => {
    expect(await readMetadata(Buffer.from('plain text'), null, 'a.txt')).toBeNull();
    const cfb = Buffer.from('d0cf11e0a1b11ae1', 'hex');
    expect(await readMetadata(cfb, 'application/x-cfb', 'old.doc')).toBeNull();
    const huge = Buffer.alloc(MAX_METADATA_INPUT_BYTES + 1);
    expect(await readMetadata(huge, 'application/pdf', 'huge.pdf')).toBeNull();
  });

  it('leaves the bytes it was given intact (pdf.js takes the buffer it reads)', async () => {
    const pdf = buildPdf(['x'], { author: 'A' });
    const before = createHash('sha256').update(pdf).digest('hex');
    await read(pdf, 'x.pdf');
    expect(pdf.length).toBeGreaterThan(0);
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(before);
  });
});

describe('readMetadata: the same bytes again', () => {
  it('answers as the first time, and a caller changing its answer changes no later one', async () => {
    const pdf = buildPdf(['x'], { author: 'Anne', producer: 'Quartz' });
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    const first = await readMetadata(pdf, 'application/pdf', 'x.pdf', sha256);
    expect(first!.fields.author).toBe('Anne');
    first!.fields.author = 'Mallory';
    const again = await readMetadata(pdf, 'application/pdf', 'y.pdf', sha256);
    expect(again).toEqual({ ...first, fields: { ...first!.fields, author: 'Anne' } });
  });

  it('keeps answers apart by reader: a zip named .docx and the same zip named .odt', async () => {
    const docx = await buildOfficeDocument({ kind: 'docx', paragraphs: ['x'] }, { creator: 'Anne' });
    const sha256 = createHash('sha256').update(docx).digest('hex');
    const asOoxml = await readMetadata(docx, 'application/zip', 'a.docx', sha256);
    const asOdf = await readMetadata(docx, 'application/zip', 'a.odt', sha256);
    expect(asOoxml!.format).toBe('ooxml');
    expect(asOdf).toEqual(await readMetadata(docx, 'application/zip', 'a.odt'));
    expect(asOdf).not.toEqual(asOoxml);
  });
});
