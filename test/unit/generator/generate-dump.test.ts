import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolverFromKeyLines } from '../../../bench/mailauth-resolver.ts';
import { CASES, caseAt, caseStride, type CaseId } from '../../../tools/generator/cases.ts';
import type { ExpectedDocument, ExpectedDump, ExpectedMessage } from '../../../tools/generator/expected.ts';
import { base64Body } from '../../../tools/generator/mime.ts';
import { generateDump } from '../../../tools/generator/generate-dump.ts';
import { verifyMessage } from '../../../shared/verify/verify-message.ts';
import { REASONS, VERDICTS } from '../../../shared/verdict/contract.ts';
import { staticResolver } from '../../helpers/keys.ts';
import { loadExpected, loadKeys, readZip } from './generated-dump.ts';
import { disagreement, mailauthResults } from './mailauth-agreement.ts';

const MESSAGES = 40;
let dir: string;
let expected: ExpectedDump;
let zip: Map<string, Buffer>;
let messages: ExpectedMessage[];
/** The messages as planned, without the second copies written beside some of them. */
let originals: ExpectedMessage[];
let documents: ExpectedDocument[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leakproof-generator-'));
  // Small attachments keep the test fast; their presence, not their size, is what is checked here.
  await generateDump({ outDir: dir, messages: MESSAGES, attachmentEvery: 5, attachmentMaxBytes: 16 * 1024, seed: 'unit' });
  expected = await loadExpected(dir);
  zip = await readZip(join(dir, 'leak.zip'));
  messages = expected.entries.filter((entry): entry is ExpectedMessage => entry.kind === 'message');
  originals = messages.filter((message) => message.copyOf === undefined);
  documents = expected.entries.filter((entry): entry is ExpectedDocument => entry.kind === 'document');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('expected.json', () => {
  it('plans every case, even in a 40-message dump', () => {
    const planned = new Set(messages.map((message) => message.case));
    expect([...planned].sort()).toEqual(Object.keys(CASES).sort());
  });

  it('gives each message the case planned for its position, with that case’s verdict and reasons', () => {
    const stride = caseStride(MESSAGES);
    expect(originals.length).toBe(MESSAGES);
    originals.forEach((message, index) => {
      expect(message.case).toBe(caseAt(index, stride));
      expect(message.verdict).toBe(CASES[message.case].verdict);
      expect(message.reasons).toEqual(CASES[message.case].reasons);
    });
  });

  it('has totals that add up to its entries', () => {
    const { totals } = expected;
    expect(totals.messages).toBe(MESSAGES + 2); // a duplicate and a variant
    expect(totals.documents).toBe(9);
    expect(totals.byProvenance).toEqual({ proven: 3, 'partially-proven': 1, 'altered-copy': 2, unproven: 3 });
    expect(totals.skipped).toBe(3);
    expect(totals.errors).toBe(1);
    expect(totals.entries).toBe(expected.entries.length);
    expect(totals.entries).toBe(totals.messages + totals.documents + totals.skipped + totals.errors);
    expect(Object.keys(totals.byVerdict)).toEqual([...VERDICTS]);
    expect(Object.values(totals.byVerdict).reduce((a, b) => a + b, 0)).toBe(totals.messages + totals.errors);
    for (const verdict of VERDICTS) {
      const count = expected.entries.filter((entry) => (entry.kind === 'message' || entry.kind === 'error') && entry.verdict === verdict).length;
      expect(totals.byVerdict[verdict], verdict).toBe(count);
    }
    for (const reason of Object.values(REASONS).flat()) {
      const count = expected.entries.filter((entry) => (entry.kind === 'message' || entry.kind === 'error') && (entry.reasons as string[]).includes(reason)).length;
      expect(totals.byReason[reason], reason).toBe(count);
    }
    const byCase: Partial<Record<CaseId, number>> = {};
    for (const message of messages) byCase[message.case] = (byCase[message.case] ?? 0) + 1;
    expect(totals.byCase).toEqual(byCase);
    expect(totals.messageBytes).toBe(messages.reduce((sum, message) => sum + message.bytes, 0));
  });

  it('lists exactly the zip’s entries, sizes included', () => {
    expect([...zip.keys()].sort()).toEqual(expected.entries.map((entry) => entry.path).sort());
    for (const message of messages) expect(zip.get(message.path)!.length, message.path).toBe(message.bytes);
    const error = expected.entries.find((entry) => entry.kind === 'error')!;
    expect(error.path).toMatch(/\.eml$/);
    expect(expected.entries.filter((entry) => entry.kind === 'skipped').map((entry) => entry.path.split('/').pop()).sort()).toEqual(['.DS_Store', 'Thumbs.db', 'sans titre.txt']);
    expect(documents.map((entry) => entry.path.split('.').pop()).sort()).toEqual(['JPG', 'docx', 'odt', 'pdf', 'pdf', 'png', 'pptx', 'xlsx', 'xlsx']);
  });
});

describe('documents and second copies', () => {
  const carrier = (path: string) => messages.find((message) => message.path === path)!;
  const carries = (message: ExpectedMessage, bytes: Buffer) => zip.get(message.path)!.includes(base64Body(bytes));

  it('records each document’s bytes, and its carriers hold exactly those bytes when it is proven or partially proven', () => {
    for (const document of documents) {
      const bytes = zip.get(document.path)!;
      expect(createHash('sha256').update(bytes).digest('hex'), document.path).toBe(document.sha256);
      expect(bytes.length).toBe(document.bytes);
      const carriers = document.carriers.map(carrier);
      const carriedBy = messages.filter((message) => carries(message, bytes));
      switch (document.provenance) {
        case 'proven':
          expect(carriers.map((m) => m.verdict)).toEqual(['verified']);
          expect(carriers.every((m) => carries(m, bytes))).toBe(true);
          break;
        case 'partially-proven':
          expect(carriers.map((m) => m.verdict)).toEqual(['partially-verified']);
          expect(carriedBy.every((m) => m.verdict === 'partially-verified')).toBe(true);
          expect(carriedBy.length).toBeGreaterThan(0);
          break;
        case 'altered-copy': {
          // A verified message carries a file of the same name with other bytes; no verified message carries these.
          const name = document.path.split('/').pop()!;
          expect(carriers.map((m) => m.verdict)).toEqual(['verified']);
          const asciiName = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
          expect(zip.get(carriers[0]!.path)!.toString('latin1')).toContain(`name="${asciiName}"`);
          expect(carriedBy.filter((m) => m.verdict === 'verified')).toEqual([]);
          break;
        }
        case 'unproven':
          expect(carriers).toEqual([]);
          expect(carriedBy).toEqual([]);
          break;
      }
    }
  });

  it('writes a byte-identical duplicate and a variant with the Message-ID of a verified original', () => {
    const copies = messages.filter((message) => message.copyOf !== undefined);
    expect(copies.map((copy) => copy.copyOf!.relation).sort()).toEqual(['duplicate', 'variant']);
    for (const copy of copies) {
      const original = carrier(copy.copyOf!.location.path);
      expect(original.verdict).toBe('verified');
      expect(copy.messageId).toBe(original.messageId);
      const same = zip.get(copy.path)!.equals(zip.get(original.path)!);
      expect(same).toBe(copy.copyOf!.relation === 'duplicate');
    }
  });

  it('is the same for the same seed (keys differ, verdicts do not)', async () => {
    const again = await mkdtemp(join(tmpdir(), 'leakproof-generator-'));
    try {
      await generateDump({ outDir: again, messages: MESSAGES, attachmentEvery: 5, attachmentMaxBytes: 16 * 1024, seed: 'unit' });
      expect(await readFile(join(again, 'expected.json'), 'utf8')).toBe(await readFile(join(dir, 'expected.json'), 'utf8'));
      expect(await readFile(join(again, 'keys.jsonl'), 'utf8')).not.toBe(await readFile(join(dir, 'keys.jsonl'), 'utf8'));
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });
});

describe('keys.jsonl', () => {
  it('publishes every key but the unavailable one, and the revoked one with an empty p=', async () => {
    const keys = await loadKeys(dir);
    const names = keys.map((key) => `${key.selector}._domainkey.${key.domain}`);
    expect(names).not.toContain('rotated2016._domainkey.lists.example.org');
    expect(keys.find((key) => key.selector === 'mail2016')?.value).toMatch(/p=$/);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['domain', 'firstSeenAt', 'lastSeenAt', 'selector', 'source', 'value']);
    }
  });
});

describe('the generated messages', () => {
  it('verify under mailauth as each case was planned', async () => {
    const resolver = resolverFromKeyLines(await loadKeys(dir));
    const problems: string[] = [];
    for (const message of messages) {
      const problem = disagreement(message.case, await mailauthResults(zip.get(message.path)!, resolver, message.receivedAt));
      if (problem) problems.push(`${message.path} (${message.case}): ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  it('get the planned verdict and reasons from leakproof’s verifier', async () => {
    const records = Object.fromEntries((await loadKeys(dir)).map((key) => [`${key.selector}._domainkey.${key.domain}`, key.value]));
    const resolver = staticResolver(records);
    for (const entry of expected.entries) {
      if (entry.kind !== 'message' && entry.kind !== 'error') continue;
      const verdict = await verifyMessage({ bytes: zip.get(entry.path)! }, resolver, new Date('2017-06-01T00:00:00Z'));
      expect({ path: entry.path, verdict: verdict.verdict, reasons: verdict.reasons }).toEqual({ path: entry.path, verdict: entry.verdict, reasons: entry.reasons });
    }
  });

  it('use CRLF line ends only, as sent on the wire', () => {
    for (const message of messages) {
      const bytes = zip.get(message.path)!;
      const bareLf = bytes.findIndex((byte, i) => byte === 0x0a && bytes[i - 1] !== 0x0d);
      expect(bareLf, message.path).toBe(-1);
    }
  });

  it('include the MIME shapes a real mailbox holds', () => {
    const texts = messages.map((message) => zip.get(message.path)!.toString('latin1'));
    expect(texts.some((text) => text.includes('multipart/alternative'))).toBe(true);
    expect(texts.some((text) => /multipart\/mixed[\s\S]*Content-Transfer-Encoding: base64/.test(text))).toBe(true);
    expect(texts.some((text) => /charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable/.test(text))).toBe(true);
    expect(texts.some((text) => text.includes('Content-Transfer-Encoding: 8bit') && /[\xc0-\xff]/.test(text.slice(text.indexOf('\r\n\r\n'))))).toBe(true);
    expect(texts.some((text) => /\r\nFrom /.test(text.slice(text.indexOf('\r\n\r\n'))))).toBe(true);
    expect(texts.some((text) => /^In-Reply-To: /m.test(text))).toBe(true);
    expect(texts.every((text) => /^Received: .*\r\n\t.*\r\n\tfor <[^>]+>; \w{3}, \d+ \w{3} 2017/m.test(text))).toBe(true);
  });
});
