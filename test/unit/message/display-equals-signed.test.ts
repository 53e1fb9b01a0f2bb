/**
 * "Display equals signed": the From, To, Cc, Subject, Date and Message-ID that exports, the API and the page show are
 * the instances mail clients show (displayFieldsOf: the top-most of several), decoded as the pipeline decodes them,
 * and a shown value no verifying signature covers is named (unsignedShownFields). mailparser, which keeps the
 * bottom-most of several, stands in for the readers that differ. Over every message we have — the generated dump,
 * hostile variants built here, and the corpora in ../shared when present — wherever the two show something
 * different, or a shown value is not signed, the verdict must not be `verified`; and a shown value added above a
 * signed one is shown, and marked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitMessage, type HeaderField } from '../../../shared/dkim/header-fields.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { generateDump } from '../../../tools/generator/generate-dump.ts';
import { displayFieldsOf, unsignedShownFields } from '../../../shared/message/display-fields.ts';
import { displayHeaders } from '../../../shared/message/display-headers.ts';
import type { KeyResolver } from '../../../shared/ports/key-resolver.ts';
import { verifyMessage } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';
import { loadKeys, readZip } from '../generator/generated-dump.ts';

const AT = new Date('2026-11-21T00:00:00Z');

interface Sample {
  name: string;
  bytes: Buffer;
  resolver: KeyResolver;
}

interface Shown {
  from: string | null;
  subject: string | null;
  date: string | null;
  messageId: string | null;
  to: string | null;
  cc: string | null;
}

async function oursShown(bytes: Buffer, fieldsShown = displayFieldsOf): Promise<Shown> {
  const { from, subject, date, messageId, to, cc } = await displayHeaders(fieldsShown(splitMessage(bytes).fields));
  return { from, subject, date, messageId, to, cc };
}

/** An address field as mailparser gives it for a whole message (one object, or one per instance), as text. */
function addressText(field: AddressObject | AddressObject[] | undefined): string | null {
  const text = (Array.isArray(field) ? field : field ? [field] : []).map((object) => object.text).join(', ');
  return text || null;
}

/** What a reader that shows the bottom-most instance of each field would show (as mailparser does): the comparison must catch it. */
function bottomMostFields(fields: readonly HeaderField[]): Buffer {
  return displayFieldsOf([...fields].reverse());
}

async function mailClientShown(bytes: Buffer): Promise<Shown> {
  const parsed = await simpleParser(bytes, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  return {
    from: parsed.from?.text ?? null,
    subject: parsed.subject ?? null,
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null,
    messageId: parsed.messageId ?? null,
    to: addressText(parsed.to),
    cc: addressText(parsed.cc),
  };
}

interface Judged {
  name: string;
  verdict: string;
  /** What we show differs from what mailparser (a bottom-most reader) shows. */
  differs: boolean;
  /** The shown fields no verifying signature covers, as the listing marks them. */
  unsignedShown: string[];
}

/** Each sample's verdict, whether what we show differs from what a mail client shows, and what the listing marks. */
async function judge(samples: readonly Sample[]): Promise<Judged[]> {
  const results = [];
  for (const sample of samples) {
    const verdict = await verifyMessage({ bytes: sample.bytes }, sample.resolver, AT);
    const differs = JSON.stringify(await oursShown(sample.bytes)) !== JSON.stringify(await mailClientShown(sample.bytes));
    const unsignedShown = verdict.verdict === 'error' ? [] : unsignedShownFields(splitMessage(sample.bytes).fields, verdict.signatures);
    results.push({ name: sample.name, verdict: verdict.verdict, differs, unsignedShown });
  }
  return results;
}

const key = rsaKey(1024);
const ourKeys = staticResolver({ 'sel._domainkey.campaign.example': key.record });
const sign = (message: Buffer, headers?: string[]) => signMessage(message, { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey, headers });

/** What a forger would try so that we and a mail client show different fields. */
function hostileSamples(): Sample[] {
  const signed = sign(buildMessage());
  const above = (field: string) => Buffer.concat([Buffer.from(`${field}\r\n`, 'latin1'), signed]);
  const below = (field: string) => tamper(signed, 'MIME-Version: 1.0\r\n', `MIME-Version: 1.0\r\n${field}\r\n`);
  const variants: [string, Buffer][] = [
    ['genuine', signed],
    ['From above', above('From: CEO <ceo@campaign.example>')],
    ['From : above', above('From : CEO <ceo@campaign.example>')],
    ['Subject above', above('Subject: Resign now')],
    ['Subject\\t: above', above('Subject\t: Resign now')],
    ['Subject below', below('Subject: Resign now')],
    ['Date above', above('Date: Fri, 05 May 2017 10:00:00 +0200')],
    ['Message-ID above', above('Message-ID: <forged@campaign.example>')],
    ['To above', above('To: Editor <desk@rival.example>')],
    ['To below', below('To: Editor <desk@rival.example>')],
    ['Cc added', above('Cc: Editor <desk@rival.example>')],
    ['Cc above', Buffer.concat([Buffer.from('Cc: Editor <desk@rival.example>\r\n'), sign(buildMessage({ cc: 'Carol <carol@press.example>' }))])],
    ['encoded-word To and Cc', sign(buildMessage({ to: '=?UTF-8?Q?=C3=89lodie_Roux?= <e.roux@banque.example>, paul@press.example', cc: '=?ISO-8859-1?Q?Zo=EB?= <zoe@audit.example>' }))],
    ['line without colon', below('Subject Resign now')],
    ['continuation of white space', tamper(signed, 'Subject: Meeting notes\r\n', 'Subject: Meeting notes\r\n \r\nSubject: Resign now\r\n')],
    ['both Subjects signed', sign(tamper(buildMessage(), 'Subject: Meeting notes\r\n', 'Subject: Meeting notes\r\nSubject: Resign now\r\n'), ['from', 'to', 'subject', 'subject', 'date'])],
    ['8-bit Subject', sign(buildMessage({ subject: Buffer.from('Réunion à 10h', 'utf8').toString('latin1') }))],
    ['encoded-word Subject', sign(buildMessage({ subject: '=?UTF-8?B?UsOpdW5pb24gw6AgMTBo?=' }))],
  ];
  return variants.map(([name, bytes]) => ({ name, bytes, resolver: ourKeys }));
}

function expectNoVerifiedDifference(results: Judged[]): void {
  expect(results.filter((result) => (result.differs || result.unsignedShown.length > 0) && result.verdict === 'verified').map((result) => result.name)).toEqual([]);
}

describe('display equals signed', () => {
  it('hostile variants: wherever we and a mail client show different fields, the verdict is not verified', async () => {
    const samples = hostileSamples();
    const results = await judge(samples);
    expectNoVerifiedDifference(results);
    expect(results.find((r) => r.name === 'genuine')).toEqual({ name: 'genuine', verdict: 'verified', differs: false, unsignedShown: [] });
    expect(results.find((r) => r.name === 'encoded-word To and Cc')).toMatchObject({ verdict: 'verified', differs: false, unsignedShown: [] });
    // A field added above the signed one is what we show, as mail clients do, and it is marked not signed.
    const marked = Object.fromEntries(results.map((r) => [r.name, r.unsignedShown]));
    expect(marked).toMatchObject({
      'From above': ['from'],
      'From : above': ['from'],
      'Subject above': ['subject'],
      'Subject\\t: above': ['subject'],
      'Date above': ['date'],
      'To above': ['to'],
      'Cc added': ['cc'],
      'Cc above': ['cc'],
      // Added below, the signed instance stays on top: shown, and signed.
      'Subject below': [],
      'To below': [],
      'both Subjects signed': [],
      // A Message-ID is shown but not one of the fields the verdict protects: never marked.
      'Message-ID above': [],
    });
    const subjectAbove = samples.find((sample) => sample.name === 'Subject above')!.bytes;
    expect((await oursShown(subjectAbove)).subject).toBe('Resign now');
    // The comparison can fail: mailparser (the bottom-most of several; To and Cc: all of them) differs from ours on each
    // injection above, and so would a reader of the bottom-most instances.
    for (const name of ['From above', 'From : above', 'Subject above', 'Date above', 'Message-ID above', 'To above', 'Cc above']) {
      const { bytes } = samples.find((sample) => sample.name === name)!;
      expect(JSON.stringify(await oursShown(bytes)), name).not.toBe(JSON.stringify(await mailClientShown(bytes)));
      expect(JSON.stringify(await oursShown(bytes, bottomMostFields)), name).not.toBe(JSON.stringify(await oursShown(bytes)));
    }
  });

  describe('the generated dump', () => {
    let dir: string;
    let samples: Sample[];
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'leakproof-display-'));
      await generateDump({ outDir: dir, messages: 60, attachmentEvery: 10, attachmentMaxBytes: 8 * 1024, seed: 'display' });
      const resolver = staticResolver(Object.fromEntries((await loadKeys(dir)).map((k) => [`${k.selector}._domainkey.${k.domain}`, k.value])));
      const zip = await readZip(join(dir, 'leak.zip'));
      samples = [...zip].filter(([name]) => name.endsWith('.eml')).map(([name, bytes]) => ({ name, bytes, resolver }));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('never shows a verified message differently from a mail client', async () => {
      expectNoVerifiedDifference(await judge(samples));
    });
  });

  const corpus = '../shared/corpus/';
  describe.skipIf(!existsSync(corpus))('the corpora (../shared/corpus)', () => {
    it('real-world messages: never shown differently when verified', async () => {
      const records = readFileSync(`${corpus}real-world/keys.jsonl`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { domain: string; selector: string; value: string });
      const resolver = staticResolver(Object.fromEntries(records.map((r) => [`${r.selector}._domainkey.${r.domain}`, r.value])));
      const expected = readFileSync(`${corpus}real-world/expected.jsonl`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { file: string });
      expectNoVerifiedDifference(await judge(expected.map(({ file }) => ({ name: file, bytes: readFileSync(`${corpus}real-world/messages/${file}`), resolver }))));
    });

    it('test-suite messages: never shown differently when verified', async () => {
      const manifest = JSON.parse(readFileSync(`${corpus}manifest.json`, 'utf8')) as { file: string; kind: string; keys: string | null }[];
      const samples = manifest.filter((entry) => entry.kind === 'dkim-message').map((entry) => {
        const raw = entry.keys ? (JSON.parse(readFileSync(corpus + entry.keys, 'utf8')) as Record<string, string | string[]>) : {};
        const records = Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, Array.isArray(value) ? value.join('') : value]));
        return { name: entry.file, bytes: readFileSync(corpus + entry.file), resolver: staticResolver(records) };
      });
      expectNoVerifiedDifference(await judge(samples));
    });
  });
});
