/**
 * `leakproof ingest` on dumps built to exhaust it (THREATS.md §2), as a user runs it: every hostile member is an
 * error with its reason, every other entry is read, and the whole process (its worker threads included) stays
 * under 300 MB of peak RSS, measured by the process itself at exit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DumpSummary, ExportRecord } from '../../shared/ports/verdict-store.ts';
import { buildMessage } from '../helpers/messages.ts';
import { hostileMembers, rawZip } from '../helpers/zip-bombs.ts';

const BIN = resolve('bin/leakproof.js');
const work = mkdtempSync(join(tmpdir(), 'leakproof-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PEAK_RSS_LIMIT_BYTES = 300 * 1000 * 1000;
/** Prints the process's peak RSS (kilobytes) on stderr as it exits. */
const REPORT_PEAK_RSS = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxRSS='+process.resourceUsage().maxRSS+'\\n'))`;

/** Runs the command as bin/leakproof.js's first line does, and reads back its peak RSS (tests pin --workers 2: each thread adds its own heap). */
function leakproof(...args: string[]) {
  const run = spawnSync(process.execPath, ['--max-semi-space-size=4', '--import', REPORT_PEAK_RSS, BIN, ...args], { encoding: 'utf8', env: { ...process.env, LEAKPROOF_HOME: '' } });
  const peak = /maxRSS=(\d+)/.exec(run.stderr);
  return { code: run.status, stdout: run.stdout, stderr: run.stderr.replace(/maxRSS=\d+\n/, ''), peakRssBytes: peak ? Number(peak[1]) * 1024 : Number.NaN };
}

function exported(home: string): ExportRecord[] {
  return leakproof('export', '--format', 'jsonl', '--home', home).stdout.trim().split('\n').map((line) => JSON.parse(line) as ExportRecord);
}

/** Ingests `path` into `home` and asserts what every hostile dump must give: no crash, exit 0, peak RSS under the bound. */
function ingestWithinBound(path: string, home: string): DumpSummary {
  const run = leakproof('ingest', path, '--offline', '--workers', '2', '--home', home, '--json');
  expect(run.stderr).not.toMatch(/Error|at .*\.(ts|js):\d+/);
  expect(run.code).toBe(0);
  expect(run.peakRssBytes).toBeLessThan(PEAK_RSS_LIMIT_BYTES);
  return (JSON.parse(run.stdout) as { summary: DumpSummary }).summary;
}

const message = (n: number): Buffer => buildMessage({ subject: `Message ${n}`, messageId: `<${n}@campaign.example>` });
describe('leakproof ingest on hostile dumps', () => {
  it('reads a 1 MB zip of 1 GiB bombs and lying sizes in under 300 MB, each bomb an error with its reason', () => {
    const path = join(work, 'bombs.zip');
    writeFileSync(path, rawZip(hostileMembers(message)));
    const home = join(work, 'home-bombs');
    const summary = ingestWithinBound(path, home);
    expect([summary.messages, summary.errors]).toEqual([3, 5]);
    const errors = Object.fromEntries(exported(home).filter((record) => record.verdict === 'error').map((record) => [record.locator, record.detail]));
    expect(errors).toEqual({
      'gib.eml': expect.stringMatching(/^zip entry inflates past \d+ bytes, over 100 times its \d+ compressed bytes \(a zip bomb\): it records 1073741851 bytes; not read$/),
      'lies-small.eml': 'zip entry data damaged: more than the recorded 1024 bytes',
      'lies-6mib.eml': 'zip entry data damaged: more than the recorded 6291456 bytes',
      'lies-30mib.txt': 'zip entry data damaged: more than the recorded 31457280 bytes',
      'lies-80mib.mbox': 'mbox read failed: zip entry data damaged: more than the recorded 83886080 bytes',
    });
  });

  it('reads the same zip cut short (no central directory) in under 300 MB', () => {
    const zip = rawZip(hostileMembers(message), { withoutCentralDirectory: true });
    const path = join(work, 'bombs-cut.zip');
    writeFileSync(path, zip.subarray(0, zip.length - 100)); // into the last member
    const home = join(work, 'home-bombs-cut');
    const summary = ingestWithinBound(path, home);
    // 1.eml and the mbox's first message; the four hostile members; the cut 2.eml.
    expect([summary.messages, summary.errors]).toEqual([2, 6]);
    const errors = exported(home).filter((record) => record.verdict === 'error').map((record) => record.locator);
    expect(errors.sort()).toEqual(['2.eml', 'gib.eml', 'lies-30mib.txt', 'lies-6mib.eml', 'lies-80mib.mbox', 'lies-small.eml']);
  });
});
