import { deflateRawSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readMetadata } from '../../../../shared/documents/metadata/read-metadata.ts';
import { buildOfficeDocument, buildPdf } from '../../../../tools/generator/documents/index.ts';
import { appXml } from '../../../../tools/generator/documents/ooxml.ts';
import { zipPackage } from '../../../../tools/generator/documents/zip-package.ts';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** A .docx whose core.xml is `core`, with a valid app.xml beside it. */
function docxWithCore(core: string | Buffer, extra: { name: string; data: Buffer }[] = []): Promise<Buffer> {
  return zipPackage([
    { name: '[Content_Types].xml', data: '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>' },
    { name: 'word/document.xml', data: '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>' },
    { name: 'docProps/core.xml', data: core },
    { name: 'docProps/app.xml', data: appXml({ application: 'Microsoft Office Word', company: 'ACME' }) },
    ...extra,
  ]);
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await work();
  return { result, ms: performance.now() - start };
}

describe('readMetadata on hostile and damaged files', () => {
  it('refuses a zip-bomb part by its recorded sizes and still reads the rest of the package', async () => {
    const bomb = Buffer.alloc(50 * 1024 * 1024); // deflates ~1,000 to 1: far past the dump's ratio cap
    const docx = await docxWithCore('<cp:coreProperties xmlns:cp="x" xmlns:dc="d"><dc:creator>Anne</dc:creator></cp:coreProperties>', [
      { name: 'word/media/image1.png', data: bomb },
    ]);
    const { result, ms } = await timed(() => readMetadata(docx, DOCX, 'bomb.docx'));
    expect(result!.fields).toMatchObject({ author: 'Anne', application: 'Microsoft Office Word', company: 'ACME' });
    expect(result!.note).toMatch(/word\/media\/image1\.png: .*zip bomb/);
    expect(result!.parts!.map((p) => p.name)).not.toContain('word/media/image1.png');
    expect(ms).toBeLessThan(2000);
  });

  it('never expands DOCTYPE entities (billion laughs): a note, no blow-up', async () => {
    const lol = [
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']><cp:coreProperties xmlns:cp="x" xmlns:dc="d"><dc:creator>&lol9;</dc:creator></cp:coreProperties>',
    ].join('');
    const { result, ms } = await timed(async () => readMetadata(await docxWithCore(lol), DOCX, 'lol.docx'));
    expect(result!.fields.author ?? '').not.toMatch(/lollol/);
    expect(result!.fields.application).toBe('Microsoft Office Word');
    expect(ms).toBeLessThan(2000);
  });

  it('decodes the predefined entities and character references, and leaves a declared entity as written', async () => {
    const core = [
      '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY forged "Emmanuel">]>',
      '<cp:coreProperties xmlns:cp="x" xmlns:dc="d"><dc:creator>A &amp; B &lt;c&gt; &#233;&#x263A; &quot;q&apos;</dc:creator>',
      '<cp:lastModifiedBy>&forged;</cp:lastModifiedBy></cp:coreProperties>',
    ].join('');
    const result = await readMetadata(await docxWithCore(core), DOCX, 'escaped.docx');
    expect(result!.fields.author).toBe('A & B <c> é☺ "q\'');
    expect(result!.fields.lastModifiedBy).toBe('&forged;');
  });

  it('turns XML nested 100,000 deep into a note', async () => {
    const deep = `<cp:coreProperties xmlns:cp="x">${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</cp:coreProperties>`;
    const { result, ms } = await timed(async () => readMetadata(await docxWithCore(deep), DOCX, 'deep.docx'));
    expect(result!.note).toMatch(/docProps\/core\.xml unreadable/);
    expect(result!.fields.company).toBe('ACME');
    expect(ms).toBeLessThan(2000);
  });

  it('says a truncated package is unreadable instead of throwing', async () => {
    const docx = await buildOfficeDocument({ kind: 'docx', paragraphs: ['x'] }, { creator: 'Anne' });
    const result = await readMetadata(docx.subarray(0, docx.length - 40), DOCX, 'cut.docx');
    expect(result!.note).toMatch(/unreadable/);
  });

  it('reads what it can of a truncated PDF, quickly', async () => {
    const pdf = buildPdf(['x'], { author: 'Anne', producer: 'Quartz' });
    const { result, ms } = await timed(() => readMetadata(pdf.subarray(0, Math.floor(pdf.length * 0.6)), 'application/pdf', 'cut.pdf'));
    expect(result!.format).toBe('pdf');
    expect(ms).toBeLessThan(3000);
  });

  it('refuses a PDF whose XMP stream is a deflate bomb, before pdf.js inflates it', async () => {
    const bomb = deflateSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    const pdf = Buffer.concat([
      Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Metadata 2 0 R >>\nendobj\n2 0 obj\n', 'latin1'),
      Buffer.from(`<< /Type /Metadata /Subtype /XML /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`, 'latin1'),
      bomb,
      Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1'),
    ]);
    const { result, ms } = await timed(() => readMetadata(pdf, 'application/pdf', 'bomb.pdf'));
    expect(result!.note).toMatch(/deflate bomb/);
    expect(ms).toBeLessThan(2000);
  });

  /** A PDF whose catalog names an XMP stream of these (compressed) bytes, declared with their true /Length. */
  const withXmpStream = (data: Buffer, filter: string) =>
    Buffer.concat([
      Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Metadata 2 0 R >>\nendobj\n2 0 obj\n', 'latin1'),
      Buffer.from(`<< /Type /Metadata /Subtype /XML /Filter ${filter} /Length ${data.length} >>\nstream\n`, 'latin1'),
      data,
      Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1'),
    ]);

  it('refuses a bomb deflated twice (/Filter [/FlateDecode /FlateDecode]): small at the first layer, huge at the second', async () => {
    const twice = deflateSync(deflateSync(Buffer.alloc(200 * 1024 * 1024, 0x20)));
    expect(twice.length).toBeLessThan(2048); // the first layer alone is far under the ratio cap
    const { result, ms } = await timed(() => readMetadata(withXmpStream(twice, '[/FlateDecode /FlateDecode]'), 'application/pdf', 'twice.pdf'));
    expect(result!.note).toMatch(/deflate bomb/);
    expect(ms).toBeLessThan(3000);
  });

  it('refuses a bomb that writes "endstream" inside its compressed bytes (pdf.js reads on to /Length)', async () => {
    // zlib header, a stored (uncompressed), non-final block holding the text, then the bomb's deflate blocks.
    const text = Buffer.from('\nendstream\nendobj\n', 'latin1');
    const stored = Buffer.concat([Buffer.from([0x78, 0x01, 0x00, text.length, 0x00, ~text.length & 0xff, 0xff]), text]);
    const data = Buffer.concat([stored, deflateRawSync(Buffer.alloc(50 * 1024 * 1024, 0x20))]);
    const { result, ms } = await timed(() => readMetadata(withXmpStream(data, '/FlateDecode'), 'application/pdf', 'hidden.pdf'));
    expect(result!.note).toMatch(/deflate bomb/);
    expect(ms).toBeLessThan(3000);
  });

  it('finishes on a PDF whose xref sections point at each other, and on 40 MB of xref loops', async () => {
    const body = '%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n';
    const xref = body.length;
    const loop = `${body}xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R /Prev ${xref} >>\nstartxref\n${xref}\n%%EOF\n`;
    const small = await timed(() => readMetadata(Buffer.from(loop, 'latin1'), 'application/pdf', 'loop.pdf'));
    expect(small.result!.format).toBe('pdf');
    expect(small.ms).toBeLessThan(3000);
    // 40 MB of trailers each naming the previous one as /Prev, and the last naming the first.
    const section = (prev: number) => `xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Root 1 0 R /Prev ${prev} >>\n`;
    const parts = [body];
    let at = body.length;
    const first = at;
    while (at < 40 * 1024 * 1024) {
      const text = section(at === first ? first : at - section(0).length);
      parts.push(text);
      at += text.length;
    }
    parts.push(`startxref\n${first}\n%%EOF\n`);
    const big = await timed(() => readMetadata(Buffer.from(parts.join(''), 'latin1'), 'application/pdf', 'loops.pdf'));
    expect(big.result!.format).toBe('pdf');
    expect(big.ms).toBeLessThan(10_000);
  });

  it('answers with a note for random bytes claiming to be a PDF, a JPEG or a .docx', async () => {
    const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    for (const [type, name] of [
      ['application/pdf', 'a.pdf'],
      ['image/jpeg', 'a.jpg'],
      [DOCX, 'a.docx'],
    ] as const) {
      const result = await readMetadata(noise, type, name);
      expect(result).not.toBeNull();
      expect(Object.keys(result!.fields)).toEqual([]);
    }
  });
});
