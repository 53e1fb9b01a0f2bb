import { describe, expect, it } from 'vitest';
import { classify, extensionOf, junkReason, looksLikeHeader, SNIFF_BYTES } from '../../../shared/dump/classify.ts';
import { buildOdt, buildOfficeDocument } from '../../../tools/generator/documents/index.ts';

const MESSAGE = Buffer.from('Return-Path: <a@example.org>\r\nFrom: a@example.org\r\n\r\nhi\r\n', 'latin1');
const ENVELOPE = Buffer.from('From a@example.org Thu Jan  1 00:00:00 1970\nFrom: a@example.org\n\nhi\n', 'latin1');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const PDF = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
const OLE2 = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(64)]);

/** Stored zip members named so, each holding a few bytes: the start of a zip as classify sees it. */
function localHeaders(names: string[]): Buffer {
  return Buffer.concat(
    names.map((name) => {
      const data = Buffer.from(name.endsWith('/') ? '' : 'data');
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt32LE(data.length, 18);
      header.writeUInt32LE(data.length, 22);
      header.writeUInt16LE(Buffer.byteLength(name), 26);
      return Buffer.concat([header, Buffer.from(name), data]);
    }),
  );
}

describe('classify', () => {
  it('takes header-looking files under message names as messages', () => {
    for (const path of ['a.eml', 'a.msg822', 'a.txt', 'noext', 'cur/1382298587.002228:2,', 'x/1529425589.M615261P21663.len:2,S']) {
      expect(classify(path, MESSAGE), path).toEqual({ kind: 'message' });
    }
  });

  it('takes any name inside maildir cur/ or new/ as a message name', () => {
    expect(classify('new/1202135443.V805I1ed08eM906143.mail.example.com', MESSAGE)).toEqual({ kind: 'message' });
    expect(classify('mail.example.com', MESSAGE)).toEqual({ kind: 'document' });
  });

  it('takes "From " first lines as mboxes, unless the name promises a single message', () => {
    expect(classify('Inbox', ENVELOPE)).toEqual({ kind: 'mbox' });
    expect(classify('2011-March.txt', ENVELOPE)).toEqual({ kind: 'mbox' });
    expect(classify('box.mbox', ENVELOPE)).toEqual({ kind: 'mbox' });
    expect(classify('a.eml', ENVELOPE)).toEqual({ kind: 'message' });
    expect(classify('cur/1:2,S', ENVELOPE)).toEqual({ kind: 'message' });
  });

  it('takes .mbox files without a "From " line as mboxes (the mbox reader judges their start)', () => {
    expect(classify('message.mbox', MESSAGE)).toEqual({ kind: 'mbox' });
  });

  it('recognises zips by magic, whatever the name', () => {
    expect(classify('a.eml', Buffer.from('PK\x03\x04rest', 'latin1'))).toEqual({ kind: 'zip' });
    expect(classify('empty.zip', Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'latin1'))).toEqual({ kind: 'zip' });
  });

  it('takes every other file of content as a document: office files, PDFs, images, text, unknown bytes', () => {
    for (const [path, head] of [
      ['scan.png', PNG],
      ['a.pdf', PDF],
      ['report.doc', OLE2],
      ['notes.yml', Buffer.from('name: x\n')],
      ['README', Buffer.from('Hello there\n')],
      ['blob', Buffer.from([1, 0, 2])],
    ] as const) {
      expect(classify(path, head), path).toEqual({ kind: 'document' });
    }
  });

  it('takes OOXML, ODF, EPUB and JAR packages as documents by their first members, whatever the name, and other zips as containers', () => {
    const ooxml = localHeaders(['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml']);
    const rels = localHeaders(['_rels/.rels', 'word/document.xml']);
    const odf = localHeaders(['mimetype', 'content.xml']);
    const jar = localHeaders(['META-INF/', 'META-INF/MANIFEST.MF']);
    for (const [path, head] of [['a.xlsx', ooxml], ['renamed.zip', ooxml], ['b.docx', rels], ['c.odt', odf], ['d.epub', odf], ['e.jar', jar]] as const) {
      expect(classify(path, head), path).toEqual({ kind: 'document' });
    }
    // A mail archive is still opened, even named like a package; a "mimetype" file later on proves nothing.
    expect(classify('mail.xlsx', localHeaders(['inbox/1.eml', 'inbox/2.eml']))).toEqual({ kind: 'zip' });
    expect(classify('mail.zip', localHeaders(['a.eml', 'mimetype']))).toEqual({ kind: 'zip' });
  });

  it('reports a file named as a message that is not one as unreadable, not skipped: it may be a damaged message', () => {
    expect(classify('a.eml', PDF)).toEqual({ kind: 'unreadable', reason: 'not an RFC 5322 message: no header field at its start (pdf)' });
    expect(classify('cur/1382298587.002228:2,', Buffer.from([1, 0, 2]))).toEqual({
      kind: 'unreadable',
      reason: 'not an RFC 5322 message: no header field at its start (binary)',
    });
    expect(classify('notes.txt', Buffer.from('Hello there\n'))).toEqual({ kind: 'document' });
  });

  it('takes Outlook files to the Outlook readers', () => {
    expect(classify('a.pst', Buffer.from('!BDN\0\0\0\0', 'latin1'))).toEqual({ kind: 'outlook', format: 'pst' });
    expect(classify('a.ost', Buffer.from('garbage'))).toEqual({ kind: 'outlook', format: 'pst' }); // the reader says it is not one
    expect(classify('a.msg', OLE2)).toEqual({ kind: 'outlook', format: 'msg' });
    // A .msg that is really an RFC 5322 message is read as one; an OLE2 file under another name is a document.
    expect(classify('a.msg', MESSAGE)).toEqual({ kind: 'message' });
    expect(classify('a.doc', OLE2)).toEqual({ kind: 'document' });
  });

  it('takes archives to the archive readers by their content; compressed single files only under their own names', () => {
    const gz = Buffer.from('1f8b0800000000000003', 'hex');
    const tar = Buffer.alloc(512);
    tar.write('ustar', 257, 'latin1');
    expect(classify('x.bin', tar)).toEqual({ kind: 'archive', format: 'tar' });
    expect(classify('x.tar', Buffer.alloc(512, 1))).toEqual({ kind: 'archive', format: 'tar' }); // a v7 tar has no magic
    expect(classify('a.tar.gz', gz)).toEqual({ kind: 'archive', format: 'gzip' });
    expect(classify('a.tgz', gz)).toEqual({ kind: 'archive', format: 'gzip' });
    expect(classify('box', gz)).toEqual({ kind: 'archive', format: 'gzip' });
    expect(classify('drawing.svgz', gz)).toEqual({ kind: 'document' });
    expect(classify('x.dat', Buffer.from('377abcaf271c0004', 'hex'))).toEqual({ kind: 'archive', format: '7z' });
    expect(classify('x.dat', Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1'))).toEqual({ kind: 'archive', format: 'rar' });
    expect(classify('a.mbox.bz2', Buffer.from('BZh91AY', 'latin1'))).toEqual({ kind: 'archive', format: 'bzip2' });
    expect(classify('a.mbox.xz', Buffer.from('fd377a585a0000', 'hex'))).toEqual({ kind: 'archive', format: 'xz' });
  });

  it('skips empty files and OS litter', () => {
    expect(classify('a.eml', Buffer.alloc(0))).toEqual({ kind: 'skipped', reason: 'empty file' });
    expect(classify('x/.DS_Store', MESSAGE)).toEqual({ kind: 'skipped', reason: 'macOS metadata (.DS_Store)' });
    expect(classify('__MACOSX/x/._a.eml', MESSAGE)).toEqual({ kind: 'skipped', reason: 'macOS metadata (__MACOSX/)' });
    expect(junkReason('d/._a.eml')).toBe('macOS metadata (AppleDouble ._ file)');
    expect(junkReason('d/Thumbs.db')).toBe('Windows metadata (Thumbs.db)');
    expect(junkReason('INBOX/dovecot-uidlist')).toBe('mail server index (dovecot-uidlist)');
    expect(junkReason('d/a.eml')).toBeUndefined();
  });
});

describe('classify on real packages', () => {
  it('takes .docx, .xlsx, .pptx and .odt files as the builders write them as documents, from their first 4 KB', async () => {
    const files = [
      await buildOfficeDocument({ kind: 'docx', paragraphs: ['Bonjour'] }, { creator: 'Alice' }),
      await buildOfficeDocument({ kind: 'xlsx', rows: [['a', 1]] }),
      await buildOfficeDocument({ kind: 'pptx', slides: ['Titre'] }),
      await buildOdt(['Bonjour']),
    ];
    for (const [index, bytes] of files.entries()) expect(classify(`renamed-${index}.zip`, bytes.subarray(0, SNIFF_BYTES)), String(index)).toEqual({ kind: 'document' });
  });
});

describe('looksLikeHeader', () => {
  it('wants a field name and a colon at the very start', () => {
    expect(looksLikeHeader(Buffer.from('X-Mozilla-Status: 0001\n'))).toBe(true);
    expect(looksLikeHeader(Buffer.from('Received:from x'))).toBe(true);
    expect(looksLikeHeader(Buffer.from('From a b\n'))).toBe(false);
    expect(looksLikeHeader(Buffer.from(' Subject: x\n'))).toBe(false);
    expect(looksLikeHeader(Buffer.from('\nSubject: x\n'))).toBe(false);
    expect(looksLikeHeader(Buffer.from(':x\n'))).toBe(false);
  });
});

describe('extensionOf', () => {
  it('ignores maildir info and numeric suffixes', () => {
    expect(extensionOf('a/b.EML')).toBe('eml');
    expect(extensionOf('cur/1382298587.002228:2,')).toBeUndefined();
    expect(extensionOf('x/PATCH.txt:2,S')).toBe('txt');
    expect(extensionOf('.bashrc')).toBeUndefined();
    expect(extensionOf('archive.7z')).toBe('7z');
  });
});
