import { stringify } from 'csv-stringify';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { openLocalHome, resolveHome } from '../../adapters/local/local-home.ts';
import type { ExportRecord, VerdictStore } from '../../ports/verdict-store.ts';
import { summaryTable } from '../summary-table.ts';

/** Finds a dump by its id or an unambiguous prefix of it (as git does with commits). */
async function dumpId(store: VerdictStore, prefix: string | undefined): Promise<string | undefined> {
  if (prefix === undefined) return undefined;
  const matches = (await store.listDumps()).filter((dump) => dump.id.startsWith(prefix.toLowerCase()));
  if (matches.length === 1) return matches[0]!.id;
  throw new Error(matches.length === 0 ? `no dump with id ${prefix}` : `dump id ${prefix} is ambiguous (${matches.length} dumps)`);
}

/** `leakproof summary [--dump ID] [--json]`. */
export async function summaryCommand(flags: { dump?: string; json?: boolean; home?: string }): Promise<number> {
  const local = openLocalHome(resolveHome(flags.home));
  try {
    const summary = await local.store.summary(await dumpId(local.store, flags.dump));
    if (!summary) throw new Error('no dump has been ingested yet: run `leakproof ingest <path>` first');
    process.stdout.write((flags.json ? JSON.stringify(summary, null, 2) : summaryTable(summary)) + '\n');
    return 0;
  } finally {
    local.close();
  }
}

export const CSV_COLUMNS = ['dump', 'locator', 'sha256', 'messageId', 'from', 'date', 'subject', 'verdict', 'reasons', 'detail', 'verifiedAt', 'signatures'] as const;

/** `leakproof export [--dump ID] --format jsonl|csv [--output FILE]`: one record per message, streamed. */
export async function exportCommand(flags: { dump?: string; format: 'jsonl' | 'csv'; output?: string; home?: string }): Promise<number> {
  const local = openLocalHome(resolveHome(flags.home));
  try {
    const id = await dumpId(local.store, flags.dump);
    const out = flags.output ? createWriteStream(flags.output) : process.stdout;
    const lines = flags.format === 'csv' ? csvLines(local.store.exportRecords(id)) : jsonLines(local.store.exportRecords(id));
    for await (const line of lines) if (!out.write(line)) await once(out, 'drain');
    if (out !== process.stdout) {
      out.end();
      await once(out, 'finish');
    }
    return 0;
  } finally {
    local.close();
  }
}

async function* jsonLines(records: AsyncIterable<ExportRecord>): AsyncGenerator<string> {
  for await (const record of records) yield JSON.stringify(record) + '\n';
}

/** CSV for spreadsheets: reasons joined by ";", the signature evidence as one JSON cell. */
async function* csvLines(records: AsyncIterable<ExportRecord>): AsyncGenerator<string> {
  const csv = stringify({ header: true, columns: [...CSV_COLUMNS] });
  const output: string[] = [];
  csv.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  for await (const record of records) {
    csv.write({ ...record, reasons: record.reasons.join(';'), signatures: JSON.stringify(record.signatures) });
    yield* output.splice(0);
  }
  csv.end();
  await once(csv, 'end');
  yield* output.splice(0);
}
