import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeDocument, documentName } from '../../../shared/documents/describe-document.ts';
import { DETECT_BYTES } from '../../../shared/documents/detect-type.ts';
import type { DocumentEntry } from '../../../shared/dump/entry.ts';
import { MAX_DOCUMENT_HOLD_BYTES } from '../../../shared/dump/limits.ts';
import { buildPdf } from '../../../tools/generator/documents/index.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('documentName', () => {
  it('is the last name of the locator path as it was written, without a duplicate member suffix', () => {
    expect(documentName('docs/Comptes 2017.xlsx')).toBe('Comptes 2017.xlsx');
    expect(documentName('leak.zip!/inner.zip!/a/b%21%23%40.pdf')).toBe('b!#@.pdf');
    expect(documentName('a/report.pdf@81920')).toBe('report.pdf');
    expect(documentName('a/report.pdf@81920@2')).toBe('report.pdf');
    expect(documentName('single.pdf')).toBe('single.pdf');
  });
});

describe('describeDocument', () => {
  it('keeps the reader\'s size and hash, names the file and tells its type from its bytes', async () => {
    const pdf = buildPdf(['Contrat'], { author: 'Bob Durand' });
    const entry: DocumentEntry = { kind: 'document', locator: { path: 'leak.zip!/docs/contrat%231.pdf' }, size: pdf.length, sha256: sha256(pdf), bytes: pdf, whole: true };
    const record = await describeDocument(entry);
    expect(record).toMatchObject({
      kind: 'document',
      locator: entry.locator,
      name: 'contrat#1.pdf',
      declaredType: null,
      detectedType: 'application/pdf',
      size: pdf.length,
      sha256: sha256(pdf),
      detail: null,
      provenance: null,
    });
  });

  it('says a document too large to hold had its metadata left unread, and still types it from its head', async () => {
    const pdf = buildPdf(['Contrat']);
    const entry: DocumentEntry = { kind: 'document', locator: { path: 'big.pdf' }, size: 100 * 1024 * 1024, sha256: 'ab'.repeat(32), bytes: pdf.subarray(0, DETECT_BYTES), whole: false };
    const record = await describeDocument(entry);
    expect(record).toMatchObject({ detectedType: 'application/pdf', metadata: null, size: 100 * 1024 * 1024, detail: `larger than ${MAX_DOCUMENT_HOLD_BYTES / 1024 / 1024} MiB: metadata not read` });
  });

  it('has no type for bytes that show none', async () => {
    const text = Buffer.from('remember the milk\n');
    const record = await describeDocument({ kind: 'document', locator: { path: 'notes.txt' }, size: text.length, sha256: sha256(text), bytes: text, whole: true });
    expect(record.detectedType).toBeNull();
  });
});
