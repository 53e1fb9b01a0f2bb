import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { openLocalHome, resolveHome } from '../../adapters/local/local-home.ts';
import { exportLines, type ExportFormat } from '../../pipeline/export-lines.ts';
import { findDumpId } from '../dump-id.ts';
import { summaryTable } from '../summary-table.ts';

/** `leakproof summary [--dump ID] [--json]`. */
export async function summaryCommand(flags: { dump?: string; json?: boolean; home?: string }): Promise<number> {
  const local = openLocalHome(resolveHome(flags.home));
  try {
    const summary = await local.store.summary(await findDumpId(local.store, flags.dump));
    if (!summary) throw new Error('no dump has been ingested yet: run `leakproof ingest <path>` first');
    process.stdout.write((flags.json ? JSON.stringify(summary, null, 2) : summaryTable(summary)) + '\n');
    return 0;
  } finally {
    local.close();
  }
}

/** `leakproof export [--dump ID] --format jsonl|csv [--output FILE]`: one record per message, streamed. */
export async function exportCommand(flags: { dump?: string; format: ExportFormat; output?: string; home?: string }): Promise<number> {
  const local = openLocalHome(resolveHome(flags.home));
  try {
    const id = await findDumpId(local.store, flags.dump);
    const out = flags.output ? createWriteStream(flags.output) : process.stdout;
    const lines = exportLines(local.store.exportRecords(id), flags.format);
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
