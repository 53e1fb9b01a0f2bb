import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMessage } from '../../helpers/messages.ts';
import { buildZip, describe as describeEntries, makeTempDir, mboxRecord, readAll, removeDir, writeFiles } from '../../helpers/dump-files.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe('readDump', () => {
  it('names a single-file dump by its base name', async () => {
    await writeFiles(dir, { 'one.eml': buildMessage(), 'box.mbox': mboxRecord(buildMessage()) });
    expect(describeEntries(await readAll(join(dir, 'one.eml')))).toEqual(['message one.eml']);
    expect(describeEntries(await readAll(join(dir, 'box.mbox')))).toEqual(['message box.mbox#0']);
  });

  it("names a top-level zip's members as in the zip", async () => {
    await writeFiles(dir, { 'leak.zip': await buildZip([{ name: 'folder/a.eml', data: buildMessage() }]) });
    expect(describeEntries(await readAll(join(dir, 'leak.zip')))).toEqual(['message folder/a.eml']);
  });

  it('throws a one-line error for a path that does not exist', async () => {
    await expect(readAll(join(dir, 'missing'))).rejects.toThrow(`cannot open dump ${join(dir, 'missing')}: no such file or directory`);
  });

  it('throws for a folder without files', async () => {
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await expect(readAll(dir)).rejects.toThrow(`nothing to read in ${dir}: no files found`);
  });

  it('throws for a dump where nothing could be read, naming the first failure', async () => {
    await writeFiles(dir, { 'a.zip': Buffer.from('PK\x03\x04 not really a zip', 'latin1') });
    await expect(readAll(dir)).rejects.toThrow(/^nothing readable in .*: a\.zip!\/: zip truncated: central directory missing; /);
  });

  it('still yields everything when some entries are errors', async () => {
    await writeFiles(dir, { 'a.zip': Buffer.from('PK\x03\x04 not really a zip', 'latin1'), 'b.eml': buildMessage() });
    const entries = await readAll(dir);
    expect(entries.map((entry) => entry.kind)).toEqual(['error', 'message']);
  });
});
