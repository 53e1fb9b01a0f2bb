import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolverFromKeyLines } from '../../../bench/mailauth-resolver.ts';
import type { ExpectedMessage } from '../../../tools/generator/expected.ts';
import { generateDump, type GenerateOptions } from '../../../tools/generator/generate-dump.ts';
import { loadExpected, loadKeys, splitMboxrd } from './generated-dump.ts';
import { disagreement, mailauthResults } from './mailauth-agreement.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function generate(options: Omit<GenerateOptions, 'outDir'>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leakproof-generator-'));
  dirs.push(dir);
  await generateDump({ outDir: dir, attachmentMaxBytes: 16 * 1024, seed: 'formats', ...options });
  return dir;
}

describe('mbox format', () => {
  it('writes every message mboxrd-quoted, at the offset and index expected.json gives', async () => {
    const dir = await generate({ format: 'mbox', messages: 40 });
    const expected = await loadExpected(dir);
    const mbox = await readFile(join(dir, 'leak.mbox'));
    const stored = splitMboxrd(mbox);
    const messages = expected.entries as ExpectedMessage[];

    // An mbox holds no loose files; the second copies of two messages (a duplicate, a variant) are messages.
    expect(expected.totals).toMatchObject({ messages: 42, documents: 0, skipped: 0, errors: 0 });
    expect(messages.filter((message) => message.copyOf).length).toBe(2);
    expect(stored.map((message) => message.offset)).toEqual(messages.map((message) => message.offset));
    expect(messages.map((message) => message.index)).toEqual(messages.map((_, index) => index));
    expect(new Set(messages.map((message) => message.path))).toEqual(new Set(['leak.mbox']));
    stored.forEach((message, index) => expect(message.bytes.length).toBe(messages[index]!.bytes));

    // The body lines "From " and ">From " of the from-lines case, quoted once more.
    const text = mbox.toString('latin1');
    expect(text).toMatch(/\n>From (the|now|Monday)/);
    expect(text).toMatch(/\n>>From the 2016 archive/);

    const resolver = resolverFromKeyLines(await loadKeys(dir));
    for (const [index, message] of messages.entries()) {
      const problem = disagreement(message.case, await mailauthResults(stored[index]!.bytes, resolver, message.receivedAt));
      expect(problem, `${message.case} #${index}`).toBeNull();
    }
  });
});

describe('folder format', () => {
  it('writes one .eml file per message plus the loose documents and stray files, where expected.json says', async () => {
    const dir = await generate({ format: 'folder', messages: 20 });
    const expected = await loadExpected(dir);
    expect(expected.dump).toBe('leak');
    for (const entry of expected.entries) {
      const file = await stat(join(dir, 'leak', entry.path));
      if (entry.kind === 'message' || entry.kind === 'document') expect(file.size).toBe(entry.bytes);
    }
    // 20 planned messages leave room for two verified carriers (one with a variant), a partially verified one.
    expect(expected.totals).toMatchObject({ messages: 21, documents: 7, skipped: 3, errors: 1 });
    expect(expected.totals.byProvenance).toEqual({ proven: 1, 'partially-proven': 1, 'altered-copy': 2, unproven: 3 });
  });
});

describe('--target-bytes', () => {
  it('keeps adding messages until their bytes reach the target, one in N with an attachment in range', async () => {
    const target = 1_500_000;
    const dir = await generate({ format: 'mbox', targetBytes: target, attachmentEvery: 4, attachmentMinBytes: 40_000, attachmentMaxBytes: 60_000 });
    const { totals, entries } = await loadExpected(dir);
    // Second copies of messages (a duplicate, a variant) are not planned messages: leave them out.
    const sizes = (entries as ExpectedMessage[]).filter((message) => !message.copyOf).map((message) => message.bytes);
    expect(totals.messageBytes).toBeGreaterThanOrEqual(target);
    expect(totals.messageBytes - sizes.at(-1)!).toBeLessThan(target);
    const withAttachment = sizes.filter((size) => size > 40_000).length;
    expect(withAttachment).toBeGreaterThanOrEqual(Math.floor(sizes.length / 4));
    expect(withAttachment).toBeLessThanOrEqual(Math.ceil(sizes.length / 4));
    expect(Math.max(...sizes)).toBeLessThan(60_000 * 1.4 + 20_000);
  });
});
