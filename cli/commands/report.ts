import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openLocalHome, resolveHome } from '../../shared/adapters/local/local-home.ts';
import { exportLines, fileExportLines, type ExportFormat } from '../../shared/pipeline/export-lines.ts';
import { EXPORT_FILTERS, exportRecordsMatching, hasFilters, type ExportFilters } from '../../shared/pipeline/filtered-export.ts';
import type { VerdictStore } from '../../shared/ports/verdict-store.ts';
import { fileExportRecords } from '../../shared/provenance/file-export.ts';
import type { DeploymentFlags } from '../deployment.ts';
import { tokenOf } from '../token.ts';
import { findDumpId } from '../dump-id.ts';
import type { RemoteApi, RemoteDumpSummary } from '../remote-api.ts';
import { apiAttentionSource, attentionLines, attentionOf, storeAttentionSource, type Attention, type AttentionCounts } from '../summary-attention.ts';
import { summaryTable } from '../summary-table.ts';

interface ReportFlags extends DeploymentFlags {
  dump?: string;
  home?: string;
}

/** `leakproof summary [--dump ID] [--json] [--api URL | --stack NAME]`. */
export async function summaryCommand(flags: ReportFlags & { json?: boolean }): Promise<number> {
  const api = await remoteApi(flags);
  if (api) {
    const summary = await api.summary(await remoteDumpId(api, flags.dump));
    if (!summary) throw new Error('the dump is gone from the stack');
    printSummary(summary, await attentionOf(apiAttentionSource(api, summary.dump.id), attentionCounts(summary)), flags.json);
    return 0;
  }
  const local = openLocalHome(resolveHome(flags.home));
  try {
    const summary = await local.store.summary(await findDumpId(local.store, flags.dump));
    if (!summary) throw new Error('no dump has been ingested yet: run `leakproof ingest <path>` first');
    printSummary(summary, await attentionOf(storeAttentionSource(local.store, summary.dump.id, summary.dump.processed), attentionCounts(summary)), flags.json);
    return 0;
  } finally {
    local.close();
  }
}

function attentionCounts(summary: RemoteDumpSummary): AttentionCounts {
  return { failed: summary.byVerdict.failed ?? 0, partial: summary.byVerdict['partially-verified'] ?? 0, errors: summary.errors, skipped: summary.skipped };
}

/** The table, then the lists; or both as one JSON document. */
function printSummary(summary: RemoteDumpSummary, attention: Attention, json: boolean | undefined): void {
  process.stdout.write((json ? JSON.stringify({ ...summary, attention }, null, 2) : summaryTable(summary) + '\n' + attentionLines(attention)) + '\n');
}

/**
 * `leakproof export [--dump ID] --format jsonl|csv [--documents] [--output FILE] [--api URL | --stack NAME]`: one
 * record per message, streamed; with --documents, one per document and per attachment instead (local store only).
 */
export async function exportCommand(flags: ReportFlags & { format: ExportFormat; output?: string; documents?: boolean } & Partial<Record<(typeof EXPORT_FILTERS)[number], string>>): Promise<number> {
  const filters = await exportFiltersOf(flags);
  if (flags.documents && hasFilters(filters)) throw new Error('--verdict, --reason, --domain, --from, --after and --before select messages: export --documents takes none of them');
  const api = await remoteApi(flags);
  if (api && flags.documents) throw new Error('export --documents reads the local store: the API serves documents through GET /dumps/{id}/documents');
  if (api) {
    const body = await api.export(await remoteDumpId(api, flags.dump), flags.format, filters);
    await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), flags.output ? createWriteStream(flags.output) : process.stdout, {
      end: flags.output !== undefined,
    });
    return 0;
  }
  const local = openLocalHome(resolveHome(flags.home));
  try {
    const id = await findDumpId(local.store, flags.dump);
    const out = flags.output ? createWriteStream(flags.output) : process.stdout;
    const messages = hasFilters(filters) ? exportRecordsMatching(local.store, await newestIfNone(local.store, id), filters) : local.store.exportRecords(id);
    const lines = flags.documents ? fileExportLines(fileExportRecords(local.store, await newestIfNone(local.store, id)), flags.format) : exportLines(messages, flags.format);
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

/** The filter flags, checked as the API checks its query (the same schema): a bad one names its flag. */
async function exportFiltersOf(flags: Partial<Record<(typeof EXPORT_FILTERS)[number], string>>): Promise<ExportFilters> {
  const given = Object.fromEntries(EXPORT_FILTERS.flatMap((name) => (flags[name] === undefined ? [] : [[name, flags[name]]])));
  if (Object.keys(given).length === 0) return {};
  const { ExportFilterSchema } = await import('../../shared/api/schemas.ts');
  const parsed = ExportFilterSchema.safeParse(given);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  throw new Error(`--${String(issue!.path[0])}: ${issue!.message}`);
}

/** The dump asked for, else the newest in the store (as exportRecords and summary take it). */
async function newestIfNone(store: Pick<VerdictStore, 'listDumps'>, id: string | undefined): Promise<string> {
  const found = id ?? (await store.listDumps())[0]?.id;
  if (found === undefined) throw new Error('no dump has been ingested yet: run `leakproof ingest <path>` first');
  return found;
}

/** The stack's API when one is named (`--api`, `--stack`); null for the local store. */
async function remoteApi(flags: ReportFlags): Promise<RemoteApi | null> {
  if (flags.api === undefined && flags.stack === undefined) return null;
  // Loaded only for a stack: the local summary and export need none of the AWS SDK.
  const { apiUrlFor, connectApi, resolveDeployment } = await import('../deployment.ts');
  const token = tokenOf(flags);
  return connectApi(apiUrlFor(await resolveDeployment(flags), token)!, token);
}

/** The dump asked for (an id or a prefix), else the newest, as locally. */
async function remoteDumpId(api: RemoteApi, prefix: string | undefined): Promise<string> {
  const id = (await findDumpId(api, prefix)) ?? (await api.listDumps())[0]?.id;
  if (id === undefined) throw new Error('the stack holds no dump yet: upload one with `leakproof upload`');
  return id;
}
