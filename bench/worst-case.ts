/**
 * npm run bench:worst [-- --work DIR] [--only ID,ID] [--message-timeout S] [--dump-timeout S]
 * (also run by `npm run bench`, after the throughput table)
 *
 * The worst-case table: each hostile message class (hostile-messages.ts) built, signed and verified in a child
 * process of its own and timed against 1 s; each hostile dump (hostile-dumps.ts) ingested by the built command
 * in a child process and its peak RSS measured against 300 MB. A child still running at its timeout is killed
 * and counted as a miss. It reports, it does not gate: the exit code is 0 even when a target is missed.
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HOSTILE_DUMPS, hostileDumpPath, type HostileDump } from './hostile-dumps.ts';
import { HOSTILE_MESSAGES, type HostileMessage } from './hostile-messages.ts';
import { worstCaseTable, type WorstCaseRow } from './report-table.ts';
import { runMeasured } from './run-measured.ts';
import { TARGETS } from './targets.ts';
import type { HostileVerification } from './verify-hostile.ts';

const REPO = join(import.meta.dirname, '..');

export interface WorstCaseOptions {
  scratch: string;
  /** Class ids to run; all when absent. */
  only?: readonly string[];
  messageTimeoutSeconds?: number;
  dumpTimeoutSeconds?: number;
}

export async function runWorstCase(options: WorstCaseOptions): Promise<WorstCaseRow[]> {
  const { scratch, only } = options;
  const selected = <T extends { id: string }>(classes: readonly T[]) => classes.filter((item) => !only || only.includes(item.id));
  const rows: WorstCaseRow[] = [];
  for (const hostile of selected(HOSTILE_MESSAGES)) rows.push(await messageRow(hostile, scratch, options.messageTimeoutSeconds ?? 30));
  for (const hostile of selected(HOSTILE_DUMPS)) rows.push(await dumpRow(hostile, scratch, options.dumpTimeoutSeconds ?? 120));
  return rows;
}

async function messageRow(hostile: HostileMessage, scratch: string, timeoutSeconds: number): Promise<WorstCaseRow> {
  process.stdout.write(`verifying ${hostile.id} … `);
  const run = await runMeasured([process.execPath, 'bench/verify-hostile.ts', hostile.id], { cwd: REPO, scratch, label: `worst-${hostile.id}`, timeoutMs: timeoutSeconds * 1000 });
  const lines = run.stdout.trim().split('\n');
  const built = lines[0]?.startsWith('{') ? (JSON.parse(lines[0]) as { bytes: number }) : null;
  const row = { name: hostile.label, input: built ? megabytes(built.bytes) : 'n/a', target: `< ${TARGETS.hostileMessageSeconds} s` };
  if (run.timedOut) {
    console.log(`killed after ${timeoutSeconds} s`);
    return { ...row, measured: `> ${timeoutSeconds} s`, met: false, note: `still verifying after ${timeoutSeconds} s: killed` };
  }
  if (!run.ok) {
    console.log('failed');
    return { ...row, measured: 'n/a', met: false, note: `failed (exit ${run.exitCode}): ${lastLine(run.stderrTail)}` };
  }
  const result = JSON.parse(lines[lines.length - 1]!) as HostileVerification;
  const seconds = result.verifySeconds + result.describeSeconds;
  console.log(`${seconds.toFixed(2)} s`);
  return {
    ...row,
    measured: `${seconds.toFixed(2)} s`,
    met: seconds < TARGETS.hostileMessageSeconds,
    note: `${[result.verdict, ...result.reasons].join(' ')}; verify ${result.verifySeconds.toFixed(2)} s, display headers ${result.describeSeconds.toFixed(2)} s`,
  };
}

async function dumpRow(hostile: HostileDump, scratch: string, timeoutSeconds: number): Promise<WorstCaseRow> {
  process.stdout.write(`ingesting ${hostile.id} … `);
  const path = await hostileDumpPath(hostile.id, scratch);
  const { size } = await stat(path);
  const home = join(scratch, `home-worst-${hostile.id}-${Date.now()}`);
  const run = await runMeasured(['bin/leakproof.js', 'ingest', path, '--offline', '--json', '--home', home], {
    cwd: REPO,
    scratch,
    label: `worst-${hostile.id}`,
    timeoutMs: timeoutSeconds * 1000,
  });
  await rm(home, { recursive: true, force: true });
  console.log(run.timedOut ? `killed after ${timeoutSeconds} s` : `${run.seconds.toFixed(1)} s`);
  const rss = run.peakRssMb;
  let note: string;
  if (run.timedOut) note = `still ingesting after ${timeoutSeconds} s: killed (peak so far)`;
  else if (!run.ok) note = `exit ${run.exitCode} after ${run.seconds.toFixed(1)} s: ${lastLine(run.stderrTail)}`;
  else {
    const { run: counts } = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { run: { messages: number; skipped: number; errors: number } };
    note = `messages ${counts.messages.toLocaleString('en-US')}, errors ${counts.errors}, skipped ${counts.skipped}; ${run.seconds.toFixed(1)} s`;
  }
  return {
    name: hostile.label,
    input: megabytes(size),
    measured: rss === null ? 'n/a' : `${rss.toFixed(0)} MB`,
    target: `< ${TARGETS.peakRssMb} MB`,
    // A run that crashed or was killed misses whatever its memory: the dump did not get through.
    met: rss === null ? null : rss < TARGETS.peakRssMb && run.ok,
    note,
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e6 ? 3 : 1)} MB`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      work: { type: 'string' },
      only: { type: 'string' },
      'message-timeout': { type: 'string', default: '30' },
      'dump-timeout': { type: 'string', default: '120' },
    },
  });
  const scratch = values.work ?? (await mkdtemp(join(tmpdir(), 'leakproof-worst-')));
  await mkdir(scratch, { recursive: true });
  console.log(`leakproof worst-case bench — Node ${process.version}, scratch ${scratch}`);
  try {
    const rows = await runWorstCase({
      scratch,
      ...(values.only ? { only: values.only.split(',') } : {}),
      messageTimeoutSeconds: Number(values['message-timeout']),
      dumpTimeoutSeconds: Number(values['dump-timeout']),
    });
    console.log('');
    console.log(worstCaseTable(rows));
  } finally {
    if (values.work === undefined) await rm(scratch, { recursive: true, force: true });
    else console.log(`\nhostile dumps kept in ${scratch}`);
  }
}

if (import.meta.main) await main();
