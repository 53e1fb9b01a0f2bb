import { describe, expect, it } from 'vitest';
import { worthOpening } from '../../../../shared/documents/metadata/pdf-keys.ts';
import { readMetadata } from '../../../../shared/documents/metadata/read-metadata.ts';
import { pdfLike } from '../../../../tools/generator/attachment-bytes.ts';
import { createPrng } from '../../../../tools/generator/prng.ts';
import { buildPdf } from '../../../../tools/generator/documents/index.ts';

const pdf = (text: string) => Buffer.from(`%PDF-1.7\n${text}\n%%EOF\n`, 'latin1');

describe('worthOpening: a PDF is opened when it names a source of metadata', () => {
  it('opens a PDF whose trailer names an Info dictionary or an /ID pair, in any spacing', () => {
    expect(worthOpening(pdf('1 0 obj<</Type/Catalog>>endobj trailer<</Root 1 0 R/Info 2 0 R>>'))).toBe(true);
    expect(worthOpening(pdf('trailer\n<< /Root 1 0 R /ID[<0011><0011>] >>'))).toBe(true);
    expect(worthOpening(buildPdf(['x'], { author: 'Anne' }))).toBe(true);
  });

  it('opens a PDF whose xref stream names them, or whose catalog names an XMP packet', () => {
    expect(worthOpening(pdf('5 0 obj\n<< /Type /XRef /W [1 2 1] /Root 1 0 R /Info 3 0 R /Length 9 >>\nstream\n'))).toBe(true);
    expect(worthOpening(pdf('1 0 obj << /Type /Catalog /Metadata 4 0 R >> endobj trailer << /Root 1 0 R >>'))).toBe(true);
  });

  it('opens a PDF with an object stream, where a catalog and its /Metadata may sit compressed', () => {
    expect(worthOpening(pdf('4 0 obj << /Type /ObjStm /N 3 /First 18 /Length 99 /Filter /FlateDecode >> stream\n'))).toBe(true);
  });

  it('opens a PDF naming no catalog, so pdf.js can say what is wrong with it', () => {
    expect(worthOpening(pdf('garbage'))).toBe(true);
  });

  it('leaves closed a PDF that names its catalog and nothing metadata comes from, whatever its streams hold', () => {
    expect(worthOpening(pdf('1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj trailer << /Root 1 0 R >>'))).toBe(false);
    // Names that only begin like the keys are other names: /IDTree, /Infos, /Firstx.
    expect(worthOpening(pdf('<< /IDTree 3 0 R /Infos 1 /Firstx 2 >> trailer << /Root 1 0 R >>'))).toBe(false);
    expect(worthOpening(pdfLike(createPrng('keys'), 512 * 1024))).toBe(false);
  });
});

describe('readPdf on a PDF with nothing to read', () => {
  it('answers empty fields and no note, as pdf.js does after rebuilding its xref', async () => {
    const bytes = pdfLike(createPrng('empty'), 256 * 1024);
    expect(await readMetadata(bytes, 'application/pdf', 'a.pdf')).toEqual({ format: 'pdf', fields: {}, parts: null, note: null });
  });
});
