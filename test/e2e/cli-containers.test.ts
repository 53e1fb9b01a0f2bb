/**
 * Outlook items and 7-Zip archives through the `leakproof` command as a user runs it (bin → dist bundle → worker
 * threads): an Outlook item is judged by its transport headers (headers-only), and the bundle finds 7-Zip's
 * WebAssembly. Fixtures are made here: messages signed with a key generated at test time, a .msg built with cfb,
 * a .7z written by 7-Zip in WebAssembly.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitMessage } from '../../shared/dkim/header-fields.ts';
import { signMessage } from '../../shared/dkim/sign.ts';
import type { DumpSummary, ExportRecord } from '../../shared/ports/verdict-store.ts';
import { build7z } from '../helpers/archive-files.ts';
import { rsaKey } from '../helpers/keys.ts';
import { buildMessage } from '../helpers/messages.ts';
import { buildMsg } from '../helpers/outlook-files.ts';

const BIN = resolve('bin/leakproof.js');
const work = mkdtempSync(join(tmpdir(), 'leakproof-e2e-containers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function leakproof(...args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LEAKPROOF_HOME: '' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const key = rsaKey(2048);
const signed = (id: string, subject: string) =>
  signMessage(buildMessage({ subject, messageId: `<${id}@campaign.example>`, body: `Hello ${id}.\r\n` }), { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey });

/** A .msg as Outlook keeps a received message: its header section as transport headers, its body re-serialised. */
function outlookCopyOf(message: Buffer, alterHeaders: (headers: string) => string = (headers) => headers): Buffer {
  const { bodyStart } = splitMessage(message);
  const headers = message.subarray(0, bodyStart).toString('latin1');
  return buildMsg({ subject: 'Quarterly plan', transportHeaders: alterHeaders(headers), body: message.subarray(bodyStart).toString('latin1') });
}

describe('leakproof ingest of Outlook items and a 7z', () => {
  const home = join(work, 'home');
  const dump = join(work, 'dump');
  let records: Map<string, ExportRecord>;
  let summary: DumpSummary;

  beforeAll(async () => {
    mkdirSync(dump);
    writeFileSync(join(dump, 'received.msg'), outlookCopyOf(signed('outlook-1', 'Quarterly plan')));
    // The same, its signed Subject changed after signing: its transport headers no longer hold the signature.
    writeFileSync(join(dump, 'altered.msg'), outlookCopyOf(signed('outlook-2', 'Quarterly plan'), (headers) => headers.replace('Subject: Quarterly plan', 'Subject: Quarterly plan (final)')));
    writeFileSync(join(dump, 'archive.7z'), await build7z([{ name: 'inbox/a.eml', data: signed('seven-1', 'From a 7z') }]));
    const keys = join(work, 'keys.jsonl');
    writeFileSync(keys, JSON.stringify({ domain: 'campaign.example', selector: 'sel', value: key.record }) + '\n');

    const run = leakproof('ingest', dump, '--keys', keys, '--offline', '--home', home, '--json');
    expect(run.stderr).not.toMatch(/Error|at .*\.(ts|js):\d+/);
    expect(run.code).toBe(0);
    summary = (JSON.parse(run.stdout) as { summary: DumpSummary }).summary;
    const exported = leakproof('export', '--format', 'jsonl', '--home', home);
    expect(exported.code).toBe(0);
    records = new Map(exported.stdout.trim().split('\n').map((line) => JSON.parse(line) as ExportRecord).map((record) => [record.locator, record]));
  }, 120_000);

  it('judges an Outlook item by the transport headers it kept: partially verified, headers-only (its body cannot be checked)', () => {
    expect(records.get('received.msg')).toMatchObject({ verdict: 'partially-verified', reasons: ['headers-only'], subject: 'Quarterly plan' });
  });

  it('fails an Outlook item whose transport headers were altered after signing', () => {
    expect(records.get('altered.msg')?.verdict).toBe('failed');
  });

  it("reads a .7z with the bundle's 7-Zip (its WebAssembly found beside the installed package), the message in it verified", () => {
    expect(records.get('archive.7z!/inbox/a.eml')).toMatchObject({ verdict: 'verified', subject: 'From a 7z' });
    expect({ messages: summary.messages, errors: summary.errors }).toEqual({ messages: 3, errors: 0 });
  });
});
