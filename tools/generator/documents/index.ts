/**
 * Builders of real documents with chosen metadata (OOXML, ODF, PDF, JPEG with EXIF): the fixtures of the metadata
 * reader tests, and the attachments and loose documents of the generated dumps. Deterministic: the same inputs
 * give the same bytes.
 */
export { buildOfficeDocument, type OfficeContent, type OfficeProperties } from './ooxml.ts';
export { buildOdt, type OdfProperties } from './odf.ts';
export { buildPdf, pdfDate, type PdfProperties } from './pdf.ts';
export { buildJpeg, type ExifProperties } from './jpeg.ts';
