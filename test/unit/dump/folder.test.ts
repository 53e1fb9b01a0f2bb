import { chmod, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMessage } from '../../helpers/messages.ts';
import { describe as describeEntries, makeTempDir, messages, readAll, removeDir, writeFiles } from '../../helpers/dump-files.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const PNG = Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001', 'hex');
const PDF = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n', 'latin1');

describe('folder dumps', () => {
  it('reads an .eml tree in sorted path order, documents and images as documents, skipping OS litter and empty files', async () => {
    await writeFiles(dir, {
      'b.eml': buildMessage({ subject: 'b' }),
      'a/z.eml': buildMessage({ subject: 'a/z' }),
      'a.eml': buildMessage({ subject: 'a' }),
      'a/scan.png': PNG,
      'a/report.pdf': PDF,
      'a/.DS_Store': Buffer.from([0, 0, 0, 1, 66, 117, 100, 49]),
      '__MACOSX/a/._z.eml': Buffer.from([0, 5, 22, 7]),
      'empty.eml': '',
      'notes.txt': 'remember the milk\n',
    });
    // Plain code-unit order: '_' (0x5f) sorts before 'a'.
    expect(describeEntries(await readAll(dir))).toEqual([
      'skipped __MACOSX/a/._z.eml: macOS metadata (__MACOSX/)',
      'message a.eml',
      'skipped a/.DS_Store: macOS metadata (.DS_Store)',
      'document a/report.pdf',
      'document a/scan.png',
      'message a/z.eml',
      'message b.eml',
      'skipped empty.eml: empty file',
      'document notes.txt',
    ]);
  });

  it('reads maildir cur/ and new/, skips tmp/, and reads extension-less names by content', async () => {
    await writeFiles(dir, {
      'INBOX/cur/1382298587.002228:2,S': buildMessage({ subject: 'cur' }),
      'INBOX/new/1382298600.M1P2.host.example.com': buildMessage({ subject: 'new' }),
      'INBOX/tmp/1382298601.M3P4.host': buildMessage({ subject: 'tmp' }),
      'INBOX/dovecot-uidlist': '3 V1382298587 N2\n',
      'INBOX/.Sent/cur/1382298700.003:2,': buildMessage({ subject: 'sent' }),
    });
    expect(describeEntries(await readAll(dir))).toEqual([
      'message INBOX/.Sent/cur/1382298700.003:2,',
      'message INBOX/cur/1382298587.002228:2,S',
      'skipped INBOX/dovecot-uidlist: mail server index (dovecot-uidlist)',
      'message INBOX/new/1382298600.M1P2.host.example.com',
      'skipped INBOX/tmp/1382298601.M3P4.host: maildir tmp/ (delivery not finished)',
    ]);
  });

  it('keeps a folder named tmp outside maildirs', async () => {
    await writeFiles(dir, { 'tmp/a.eml': buildMessage() });
    expect(describeEntries(await readAll(dir))).toEqual(['message tmp/a.eml']);
  });

  it('keeps the original bytes exactly: mixed line endings, 8-bit latin-1, no final newline', async () => {
    const original = Buffer.concat([
      Buffer.from('From: Ren\xe9e <renee@example.fr>\r\nSubject: =?iso-8859-1?q?R=E9sum=E9?=\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n', 'latin1'),
      Buffer.from('Caf\xe9 cr\xe8me \xa0\xff\r\nline two\nline three\r\r\n\x00\x80end', 'latin1'),
    ]);
    await writeFiles(dir, { 'cur/1:2,': original });
    expect(messages(await readAll(dir)).map((entry) => entry.bytes)).toEqual([original]);
  });

  it('does not follow symbolic links', async () => {
    await writeFiles(dir, { 'real/a.eml': buildMessage() });
    await symlink(join(dir, 'real'), join(dir, 'link'));
    expect(describeEntries(await readAll(dir))).toEqual(['skipped link: symbolic link (not followed)', 'message real/a.eml']);
  });

  it.skipIf(process.getuid?.() === 0)('reports unreadable files and folders as errors', async () => {
    await writeFiles(dir, { 'a.eml': buildMessage(), 'locked.eml': buildMessage(), 'closed/b.eml': buildMessage() });
    await chmod(join(dir, 'locked.eml'), 0o000);
    await chmod(join(dir, 'closed'), 0o000);
    try {
      expect(describeEntries(await readAll(dir))).toEqual([
        'message a.eml',
        'error closed/: cannot read directory: permission denied',
        'error locked.eml: permission denied',
      ]);
    } finally {
      await chmod(join(dir, 'closed'), 0o755);
    }
  });

  it('counts nothing for empty folders', async () => {
    await mkdir(join(dir, 'empty'));
    await writeFiles(dir, { 'a.eml': buildMessage() });
    expect(describeEntries(await readAll(dir))).toEqual(['message a.eml']);
  });
});
