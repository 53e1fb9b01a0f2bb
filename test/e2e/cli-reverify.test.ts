/**
 * `leakproof reverify` as a user runs it: a dump ingested offline while one signer's key was missing, the key
 * imported later (the import says how many stored messages it affects), then the run and its closing line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMessage } from '../../shared/dkim/sign.ts';
import type { DumpSummary, ExportRecord } from '../../shared/ports/verdict-store.ts';
import { buildZip } from '../helpers/dump-files.ts';
import { rsaKey } from '../helpers/keys.ts';
import { buildMessage } from '../helpers/messages.ts';

const BIN = resolve('bin/leakproof.js');
const work = mkdtempSync(join(tmpdir(), 'leakproof-reverify-'));
const home = join(work, 'home');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function leakproof(...args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args, '--home', home], { encoding: 'utf8', env: { ...process.env, LEAKPROOF_HOME: '' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const rotated = rsaKey(1024);
const sign = (n: number) => signMessage(buildMessage({ messageId: `<${n}@campaign.example>` }), { domain: 'campaign.example', selector: 'may2017', privateKey: rotated.privateKey });

describe('leakproof reverify', () => {
  beforeAll(async () => {
    writeFileSync(join(work, 'leak.zip'), await buildZip([{ name: 'a.eml', data: sign(1) }, { name: 'b.eml', data: sign(2) }, { name: 'c.eml', data: buildMessage() }]));
    writeFileSync(join(work, 'keys.jsonl'), JSON.stringify({ domain: 'campaign.example', selector: 'may2017', value: rotated.record, lastSeenAt: '2017-06-01T00:00:00Z' }) + '\n');
  });

  it('re-checks what a key imported after the ingest affects, and says what changed', () => {
    const ingest = leakproof('ingest', join(work, 'leak.zip'), '--offline', '--json');
    expect(ingest.code).toBe(0);
    expect((JSON.parse(ingest.stdout) as { summary: DumpSummary }).summary.byVerdict).toEqual({ unverified: 3 });

    const keys = leakproof('keys', 'import', join(work, 'keys.jsonl'));
    expect(keys.code).toBe(0);
    expect(keys.stderr).toContain('keys: 2 stored messages are affected by these keys: run `leakproof reverify` to re-check them');

    const run = leakproof('reverify', '--offline');
    expect(run.stderr).not.toMatch(/Error|at .*\.ts:\d+/);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('reverify: 2 of 2 selected messages checked, 2 verdicts changed (2 unverified → verified)');

    const summary = JSON.parse(leakproof('summary', '--json').stdout) as DumpSummary;
    expect(summary.byVerdict).toEqual({ verified: 2, unverified: 1 });
    const exported = leakproof('export').stdout.trim().split('\n').map((line) => JSON.parse(line) as ExportRecord);
    expect(exported.map((record) => record.verdict)).toEqual(['verified', 'verified', 'unverified']);
    // The export carries the audit trail: what the verdict was, when it was replaced and why.
    expect(exported[0]!.history).toEqual([expect.objectContaining({ verdict: 'unverified', reasons: ['key-unavailable'], cause: 'new-key' })]);
    expect(exported[2]!.history).toEqual([]);

    expect(leakproof('reverify', '--offline').stdout.trim()).toBe('reverify: 0 of 0 selected messages checked, 0 verdicts changed');
  });

  it('fails with one line for an unknown dump', () => {
    const run = leakproof('reverify', '--offline', '--dump', 'ffff');
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('leakproof: no dump with id ffff');
  });
});
