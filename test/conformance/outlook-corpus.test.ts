/**
 * Runs the shared corpus's Outlook files (when present: ../shared/corpus/outlook, java-libpst's two .pst files
 * and msgreader's 43 .msg files with the .json of what msgreader's own tests expect) through the Outlook readers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { DumpEntry, MessageEntry } from '../../shared/dump/entry.ts';
import { describe as describeEntries, makeTempDir, readAll, removeDir } from '../helpers/dump-files.ts';
import { buildMessage } from '../helpers/messages.ts';

const OUTLOOK = join(import.meta.dirname, '../../../shared/corpus/outlook');
const present = existsSync(OUTLOOK);

const outlookEntries = (entries: DumpEntry[]) => entries.filter((entry) => /\.(msg|pst)(!\/|$)/.test(entry.locator.path));

describe.skipIf(!present)('the Outlook corpus', () => {
  it('reads every .msg and .pst without a crash or an error: 27 mail messages (6 with transport headers), the rest skipped as not mail', async () => {
    const entries = outlookEntries(await readAll(OUTLOOK));
    const count = (kind: string, where: RegExp) => entries.filter((entry) => entry.kind === kind && where.test(entry.locator.path)).length;
    expect(entries.filter((entry) => entry.kind === 'error')).toEqual([]);
    expect(count('message', /\.msg$/)).toBe(27);
    expect(count('skipped', /\.msg$/)).toBe(16);
    // java-libpst's files hold a contact, a distribution list, a calendar entry and free/busy data, no mail.
    expect(count('skipped', /\.pst!\//)).toBe(7);
    expect(count('message', /\.pst!\//)).toBe(0);
    const mail = entries.filter((entry): entry is MessageEntry => entry.kind === 'message');
    expect(mail.filter((entry) => entry.outlook?.transportHeaders !== null && entry.outlook !== undefined)).toHaveLength(6);
    expect(mail.every((entry) => entry.outlook !== undefined)).toBe(true);
    const reasons = new Set(entries.flatMap((entry) => (entry.kind === 'skipped' ? [entry.reason] : [])));
    expect(reasons).toEqual(
      new Set(['IPM.Appointment', 'IPM.StickyNote', 'IPM.Contact', 'IPM.DistList', 'IPM.Microsoft.ScheduleData.FreeBusy'].map((type) => `Outlook item of class ${type}, not a mail message`)),
    );
    expect(entries.filter((entry) => /\.pst!\//.test(entry.locator.path)).map((entry) => entry.locator.path)).toContain('pst/java-libpst/dist-list.pst!/Top of Personal Folders/Contacts/2097188');
  });

  it("writes each mail item with as many attachments as msgreader's own tests expect, and the same bytes every time", async () => {
    const first = outlookEntries(await readAll(join(OUTLOOK, 'msg'))).filter((entry): entry is MessageEntry => entry.kind === 'message');
    const second = outlookEntries(await readAll(join(OUTLOOK, 'msg'))).filter((entry): entry is MessageEntry => entry.kind === 'message');
    expect(second.map((entry) => entry.bytes)).toEqual(first.map((entry) => entry.bytes));
    let compared = 0;
    for (const entry of first) {
      const expectedPath = join(OUTLOOK, 'msg', entry.locator.path.replace(/\.msg$/, '.json'));
      if (!existsSync(expectedPath)) continue;
      const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as { attachments?: unknown[] };
      if (expected.attachments === undefined) continue;
      const parsed = await simpleParser(entry.bytes);
      expect(parsed.attachments.length, entry.locator.path).toBe(expected.attachments.length);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(5);
  });

  it('turns a .pst cut in half or with damaged blocks into errors naming what could not be read, and the rest of the dump runs', async () => {
    const pst = readFileSync(join(OUTLOOK, 'pst/java-libpst/dist-list.pst'));
    const damaged = Buffer.from(pst);
    for (let at = 20_000; at < damaged.length; at += 997) damaged[at] = damaged[at]! ^ 0x5a;
    const dir = await makeTempDir();
    try {
      await mkdir(join(dir, 'dump'));
      await writeFile(join(dir, 'dump', 'half.pst'), pst.subarray(0, pst.length >> 1));
      await writeFile(join(dir, 'dump', 'damaged.pst'), damaged);
      await writeFile(join(dir, 'dump', 'ok.eml'), buildMessage());
      expect(describeEntries(await readAll(join(dir, 'dump')))).toEqual([
        expect.stringMatching(/^error damaged\.pst!\/: not a readable Outlook data file: /),
        expect.stringMatching(/^error half\.pst!\/: Outlook folder's subfolders unreadable: /),
        'message ok.eml',
      ]);
    } finally {
      await removeDir(dir);
    }
  });
});
