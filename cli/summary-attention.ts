/**
 * What `leakproof summary` lists after the counts: the messages a reader must look at (failed first, then partially
 * verified; at most ATTENTION_LIMIT, each with its plain reason) and the files that were not read (unreadable, with
 * why; skipped, with why). The same lists, gathered the same way and printed by the same lines, whether they are
 * read from the local store (storeAttentionSource) or from a stack's API (apiAttentionSource): failed and
 * unreadable entries from the listing's indexes, skipped files from listSkipped (GET /dumps/{id}/skipped), which
 * lists them only for a dump of at most MAX_ENTRIES_WALKED entries.
 */
import { MAX_ENTRIES_WALKED, skippedFiles } from '../shared/pipeline/skipped-files.ts';
import type { UnsignedShownField, VerdictStore } from '../shared/ports/verdict-store.ts';
import type { Reason, SignatureEvidence } from '../shared/verdict/contract.ts';
import { reasonExplanation } from '../shared/verdict/plain-language.ts';
import { counted } from './format.ts';
import type { RemoteApi } from './remote-api.ts';
import { notSignedMark, safe } from './show-text.ts';

export const ATTENTION_LIMIT = 20;
export { MAX_ENTRIES_WALKED };

export interface AttentionItem {
  locator: string;
  verdict: string;
  reasons: string[];
  subject: string | null;
  from: string | null;
  explanation: string;
  /** The shown fields whose value is not signed (the listing's), so the subject printed can say so; null or absent: not known. */
  unsignedShown?: UnsignedShownField[] | null;
}

export interface Attention {
  /** Failed, then partially verified messages, in locator order each, with their reasons in plain words. */
  messages: AttentionItem[];
  /** How many failed and partially verified messages there are in all. */
  messagesInAll: number;
  unreadable: { locator: string; why: string }[];
  unreadableInAll: number;
  /** Null when they could not be listed (skippedNote says why; skippedInAll still counts them). */
  skipped: { locator: string; why: string }[] | null;
  skippedNote: string | null;
  skippedInAll: number;
}

/** A line of a dump's listing, as the store and the API list it (the API adds the message key it is asked by). */
export interface ListedEntry {
  locator: string;
  key?: string;
  verdict: string;
  reasons: Reason[];
  subject: string | null;
  from: string | null;
  /** Absent from a stack deployed before listings carried it. */
  unsignedShown?: UnsignedShownField[] | null;
}

/** Where the lists are read from: the local store, or a stack's API. */
export interface AttentionSource {
  /** A dump's messages of one verdict (unreadable entries: 'error'), in locator order, at most `limit`. */
  listed(verdict: 'failed' | 'partially-verified' | 'error', limit: number): Promise<ListedEntry[]>;
  /** A listed entry's signatures (the listing has none) and, for an unreadable one, why; null when it is gone. */
  entry(line: ListedEntry): Promise<{ signatures: Pick<SignatureEvidence, 'status' | 'bodyHash'>[]; unreadable: string | null } | null>;
  /** Skipped files in locator order, at most `limit`, with why; or why they are not listed. */
  skipped(limit: number): Promise<{ files: { locator: string; reason: string }[] } | { notListed: string }>;
}

export interface AttentionCounts {
  failed: number;
  partial: number;
  errors: number;
  skipped: number;
}

const TOO_LARGE = `the dump has over ${MAX_ENTRIES_WALKED} entries`;

/** The lists from the local store. */
export function storeAttentionSource(store: Pick<VerdictStore, 'listMessages' | 'getEntry' | 'listSkipped'>, dumpId: string, processed: number): AttentionSource {
  return {
    listed: async (verdict, limit) => (await store.listMessages(dumpId, { verdict, limit }))?.messages ?? [],
    async entry(line) {
      const entry = await store.getEntry(dumpId, line.locator);
      if (entry?.kind === 'message') return { signatures: entry.signatures, unreadable: null };
      return entry?.kind === 'error' ? { signatures: [], unreadable: entry.detail } : null;
    },
    async skipped(limit) {
      const files = await skippedFiles(store, dumpId, processed, limit);
      return files === null ? { notListed: TOO_LARGE } : { files };
    },
  };
}

/** The lists from a stack's API: its listing (verdict=, limit=), each entry's detail, and GET /dumps/{id}/skipped. */
export function apiAttentionSource(api: Pick<RemoteApi, 'listMessages' | 'message' | 'skippedFiles'>, dumpId: string): AttentionSource {
  return {
    listed: (verdict, limit) => api.listMessages(dumpId, { verdict, limit }),
    async entry(line) {
      const detail = line.key === undefined ? null : await api.message(dumpId, line.key);
      if (detail === null) return null;
      return { signatures: detail.signatures, unreadable: detail.kind === 'error' ? (detail.detail ?? 'unreadable') : null };
    },
    async skipped(limit) {
      const answer = await api.skippedFiles(dumpId, limit);
      if (answer === 'unsupported') return { notListed: 'the stack was deployed before its API listed them' };
      return answer.skipped === null ? { notListed: TOO_LARGE } : { files: answer.skipped };
    },
  };
}

export async function attentionOf(source: AttentionSource, counts: AttentionCounts): Promise<Attention> {
  const listed = async (verdict: 'failed' | 'partially-verified' | 'error', limit: number) => (limit <= 0 ? [] : source.listed(verdict, limit));
  const failed = await listed('failed', counts.failed === 0 ? 0 : ATTENTION_LIMIT);
  const partial = await listed('partially-verified', counts.partial === 0 ? 0 : ATTENTION_LIMIT - failed.length);
  const messages: AttentionItem[] = [];
  for (const line of [...failed, ...partial]) {
    // The listing has no signatures; the record's say whether a signature-mismatch left the body intact.
    const signatures = (await source.entry(line))?.signatures ?? [];
    messages.push({ locator: line.locator, verdict: line.verdict, reasons: line.reasons, subject: line.subject, from: line.from, explanation: line.reasons.map((reason) => reasonExplanation(reason, signatures)).join(' '), unsignedShown: line.unsignedShown ?? null });
  }
  const unreadable = [];
  for (const line of await listed('error', counts.errors === 0 ? 0 : ATTENTION_LIMIT)) {
    unreadable.push({ locator: line.locator, why: (await source.entry(line))?.unreadable ?? 'unreadable' });
  }
  const skipped = counts.skipped === 0 ? { files: [] } : await source.skipped(ATTENTION_LIMIT);
  return {
    messages,
    messagesInAll: counts.failed + counts.partial,
    unreadable,
    unreadableInAll: counts.errors,
    skipped: 'files' in skipped ? skipped.files.map(({ locator, reason }) => ({ locator, why: reason })) : null,
    skippedNote: 'notListed' in skipped ? skipped.notListed : null,
    skippedInAll: counts.skipped,
  };
}

/** The lists as text, after the summary table. */
export function attentionLines(attention: Attention): string {
  const lines: string[] = [];
  const more = (shown: number, all: number, hint: string) => (all > shown ? [`  … and ${all - shown} more (${hint})`] : []);
  if (attention.messagesInAll > 0) {
    lines.push('', `To look at: ${counted(attention.messagesInAll, 'message')} failed or partially verified${attention.messagesInAll > attention.messages.length ? ` (the first ${attention.messages.length})` : ''}`);
    for (const item of attention.messages) {
      lines.push(`  ${item.verdict.padEnd(19)}${safe(item.locator)}  ${safe(clip(item.subject ?? '(no subject)'))}${notSignedMark(item, 'subject')}`, `  ${''.padEnd(19)}${item.explanation}`);
    }
    lines.push(...more(attention.messages.length, attention.messagesInAll, '`leakproof export --verdict failed` or `--verdict partially-verified` lists them all'));
  }
  if (attention.unreadableInAll > 0) {
    lines.push('', `Unreadable: ${counted(attention.unreadableInAll, 'file')}`);
    for (const item of attention.unreadable) lines.push(`  ${safe(item.locator)}: ${safe(item.why)}`);
    lines.push(...more(attention.unreadable.length, attention.unreadableInAll, '`leakproof export --verdict error` lists them all'));
  }
  if (attention.skippedInAll > 0) {
    lines.push('', `Skipped (not content): ${counted(attention.skippedInAll, 'file')}`);
    if (attention.skipped === null) lines.push(`  (not listed: ${attention.skippedNote ?? TOO_LARGE})`);
    else {
      for (const item of attention.skipped) lines.push(`  ${safe(item.locator)}: ${safe(item.why)}`);
      lines.push(...more(attention.skipped.length, attention.skippedInAll, 'not listed here'));
    }
  }
  return lines.join('\n');
}

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
