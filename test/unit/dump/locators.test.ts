/**
 * Every entry keeps its own identity: names that carry the locator syntax ("!/", "#", "@", "%"), duplicate
 * names, and errors about a container as a whole never share a locator key with anything else.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapeName, locatorKey, unescapePath, type DumpEntry } from '../../../shared/dump/entry.ts';
import { buildZip, describe as describeEntries, localHeaderOffsets, makeTempDir, mboxRecord, readAll, removeDir, writeFiles } from '../../helpers/dump-files.ts';
import { buildMessage } from '../../helpers/messages.ts';
import { deflated, deflatedMember, lookalikeNamesZip, rawZip } from '../../helpers/zip-bombs.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const message = (n: number): Buffer => buildMessage({ subject: `Message ${n}`, messageId: `<${n}@campaign.example>` });

function keys(entries: DumpEntry[]): string[] {
  return entries.map((entry) => locatorKey(entry.locator));
}

describe('locator keys', () => {
  it('escape only what carries meaning, and read back', () => {
    expect(escapeName('inbox/1382298587.002228:2,S')).toBe('inbox/1382298587.002228:2,S');
    expect(escapeName('Ünïcode ß (1).eml')).toBe('Ünïcode ß (1).eml');
    expect(escapeName('a!/b#1@2%3\n.eml')).toBe('a%21/b%231%402%253%0A.eml');
    for (const name of ['a!/b#1@2%3\n.eml', '%21', '100%', '\x7f\x00']) expect(unescapePath(escapeName(name))).toBe(name);
  });

  it('give the five look-alike members of one zip five keys', async () => {
    await writeFiles(dir, { 'dump.zip': lookalikeNamesZip(message) });
    const entries = await readAll(join(dir, 'dump.zip'));
    expect(entries.every((entry) => entry.kind === 'message')).toBe(true);
    expect(new Set(keys(entries)).size).toBe(5);
    const secondAt = keys(entries)[1]!.slice('a.eml@'.length);
    expect(keys(entries)).toEqual(['a.eml', `a.eml@${secondAt}`, `a.eml%40${secondAt}`, 'box.mbox#0', 'box.mbox%230']);
  });

  it('tell a folder whose name ends in "!" from a zip, and "#" in a file name from an mbox offset', async () => {
    await writeFiles(dir, {
      'x.zip': await buildZip([{ name: 'b.eml', data: message(1) }]),
      'x.zip!/b.eml': message(2),
      'box.mbox': mboxRecord(message(3)),
      'box.mbox#0': message(4),
    });
    const entries = await readAll(dir);
    expect(describeEntries(entries)).toEqual(['message box.mbox#0', 'message box.mbox%230', 'message x.zip!/b.eml', 'message x.zip%21/b.eml']);
  });

  it('keep members of one name apart when a cut zip is read from its local headers', async () => {
    const zip = rawZip([deflatedMember('a.eml', deflated(message(1))), deflatedMember('a.eml', deflated(message(2))), deflatedMember('a.eml', deflated(message(3)))], { withoutCentralDirectory: true });
    await writeFiles(dir, { 'cut.zip': zip.subarray(0, zip.length - 10) });
    const [, second, third] = localHeaderOffsets(zip);
    expect(describeEntries(await readAll(join(dir, 'cut.zip')))).toEqual([
      'message a.eml',
      `message a.eml@${second}`,
      `error a.eml@${third}: zip truncated: central directory missing; entry 'a.eml@${third}' incomplete`,
    ]);
  });

  it('give central-directory records pointing at one local header keys of their own', async () => {
    const zip = rawZip([deflatedMember('a.eml', deflated(message(1)))]);
    // Two more central-directory records, copies of the first: all three point at the same local header.
    const central = zip.indexOf(Buffer.from('PK\x01\x02', 'latin1'));
    const end = zip.indexOf(Buffer.from('PK\x05\x06', 'latin1'));
    const record = zip.subarray(central, end);
    const eocd = Buffer.from(zip.subarray(end));
    eocd.writeUInt16LE(3, 8);
    eocd.writeUInt16LE(3, 10);
    eocd.writeUInt32LE(record.length * 3, 12);
    await writeFiles(dir, { 'thrice.zip': Buffer.concat([zip.subarray(0, end), record, record, eocd]) });
    expect(keys(await readAll(join(dir, 'thrice.zip')))).toEqual(['a.eml', 'a.eml@0', 'a.eml@0@1']);
  });
});
