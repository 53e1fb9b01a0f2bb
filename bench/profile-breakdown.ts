/**
 * Where an ingest's time goes, thread by thread: reads the V8 CPU profiles that `node --cpu-prof` writes (one
 * per thread: the reading thread and each verifying worker) and sorts every sample into a named stage.
 *
 * A sample belongs to the stage of the innermost frame on its stack that names one (STAGES, first match from the
 * leaf up), so `update` under `hashBodyAt` is the DKIM body hash and `update` under `verifyEntry` the message's
 * own SHA-256. Frames are matched by function name, which the bundle keeps (esbuild does not minify here).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Stages by the functions that start them, innermost first wins; the order breaks ties on one frame only. */
const STAGES: [stage: string, functions: string[]][] = [
  ['loading code', ['compileSourceTextModule', 'wrapSafe', 'loadCJSModule', 'compileForInternalLoader', 'ModuleWrap', 'evaluate', 'getModuleJobForImport', 'compileFunctionForCJSLoader']],
  ['DKIM body hash', ['hashBodyAt', 'relaxedBody', 'simpleBody']],
  ['signature check (RSA, Ed25519)', ['verifyHeader']],
  ['DKIM headers and keys', ['checkSignature', 'verifyMessage']],
  ['attachments', ['inventoryAttachments']],
  ['forensics', ['messageForensics']],
  ['message SHA-256', ['verifyEntry']],
  ['inflating zip members', ['inflateMember', 'inflatedHead']],
  ['dump SHA-256 (identity)', ['fingerprintDump', 'hashFile']],
  ['describing records (display headers, file metadata)', ['describeEntry']],
  ['documents', ['describeDocument']],
  ['provenance', ['settleProvenance']],
  ['storing (SQLite)', ['putEntries']],
  ['thread messaging', ['postMessage']],
  ['reading the dump', ['readDump', 'expand', 'readItem', 'readZip']],
];

const SPECIAL = new Map([
  ['(idle)', 'idle'],
  ['(garbage collector)', 'garbage collection'],
  ['(program)', 'V8 and native, unattributed'],
]);

export interface ThreadBreakdown {
  thread: string;
  totalMs: number;
  stages: Map<string, number>;
}

export function breakdown(profile: CpuProfile, thread: string): ThreadBreakdown {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stageOf = new Map<string, string>(STAGES.flatMap(([stage, functions]) => functions.map((name): [string, string] => [name, stage])));
  const stageCache = new Map<number, string>();
  const stageOfNode = (id: number): string => {
    const cached = stageCache.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id)!;
    const special = SPECIAL.get(node.callFrame.functionName);
    const parentId = parent.get(id);
    const stage = special ?? stageOf.get(node.callFrame.functionName) ?? (parentId === undefined ? 'other' : stageOfNode(parentId));
    stageCache.set(id, stage);
    return stage;
  };
  const stages = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const stage = stageOfNode(id);
    stages.set(stage, (stages.get(stage) ?? 0) + ms);
  });
  return { thread, totalMs, stages };
}

/** The breakdowns of every profile in `dir`: the main thread first (Node numbers it 0), then the workers. */
export async function breakdownsIn(dir: string): Promise<ThreadBreakdown[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile')).sort();
  const threadOf = (name: string) => Number(name.split('.').at(-3) ?? 0);
  files.sort((a, b) => threadOf(a) - threadOf(b));
  return Promise.all(
    files.map(async (name) => breakdown(JSON.parse(await readFile(join(dir, name), 'utf8')) as CpuProfile, threadOf(name) === 0 ? 'reading thread' : `worker ${threadOf(name)}`)),
  );
}

/** One table: a row per stage, a column per thread, in ms and as a share of that thread's time. */
export function breakdownTable(threads: ThreadBreakdown[]): string {
  const stages = [...new Set(threads.flatMap((thread) => [...thread.stages.keys()]))];
  const total = (stage: string) => threads.reduce((sum, thread) => sum + (thread.stages.get(stage) ?? 0), 0);
  stages.sort((a, b) => total(b) - total(a));
  const header = ['stage', ...threads.map((thread) => thread.thread)];
  const rows = stages.map((stage) => [stage, ...threads.map((thread) => cell(thread.stages.get(stage) ?? 0, thread.totalMs))]);
  rows.push(['total', ...threads.map((thread) => `${thread.totalMs.toFixed(0)} ms`)]);
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((text, column) => (column === 0 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!))).join('  ')).join('\n');
}

function cell(ms: number, totalMs: number): string {
  return ms < 0.5 ? '—' : `${ms.toFixed(0)} ms ${((100 * ms) / totalMs).toFixed(0).padStart(2)}%`;
}
