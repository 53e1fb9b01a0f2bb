/**
 * What `leakproof summary` lists after the counts: the messages a reader must look at (failed first, then partially
 * verified; at most ATTENTION_LIMIT, each with its plain reason) and the files that were not read (unreadable, with
 * why; skipped, with why). Failed and unreadable entries come from the listing's indexes. Skipped entries have no
 * index: they are found by walking the dump's stored entries, only up to MAX_ENTRIES_WALKED.
 */
import type { EntryRecord, MessageListing, VerdictStore } from '../shared/ports/verdict-store.ts';
import { reasonExplanation } from '../shared/verdict/plain-language.ts';
import { counted } from './format.ts';
import { safe } from './show-text.ts';

export const ATTENTION_LIMIT = 20;
/** Past this many entries, skipped files are counted, not listed (there is no index to find them by). */
export const MAX_ENTRIES_WALKED = 100_000;

export interface AttentionItem {
  locator: string;
  verdict: string;
  reasons: string[];
  subject: string | null;
  from: string | null;
  explanation: string;
}

export interface Attention {
  /** Failed, then partially verified messages, in locator order each, with their reasons in plain words. */
  messages: AttentionItem[];
  /** How many failed and partially verified messages there are in all. */
  messagesInAll: number;
  unreadable: { locator: string; why: string }[];
  unreadableInAll: number;
  /** Null when the dump is too large to walk for them (skippedInAll still counts them). */
  skipped: { locator: string; why: string }[] | null;
  skippedInAll: number;
}

type Store = Pick<VerdictStore, 'listMessages' | 'getEntry' | 'storedLocators'>;

export async function attentionOf(store: Store, dumpId: string, counts: { failed: number; partial: number; errors: number; skipped: number; processed: number }): Promise<Attention> {
  const listed = async (verdict: 'failed' | 'partially-verified' | 'error', limit: number): Promise<MessageListing[]> =>
    limit <= 0 ? [] : ((await store.listMessages(dumpId, { verdict, limit }))?.messages ?? []);
  const failed = await listed('failed', ATTENTION_LIMIT);
  const partial = await listed('partially-verified', ATTENTION_LIMIT - failed.length);
  const messages: AttentionItem[] = [];
  for (const line of [...failed, ...partial]) {
    // The listing has no signatures; the record's say whether a signature-mismatch left the body intact.
    const entry = await store.getEntry(dumpId, line.locator);
    const signatures = entry?.kind === 'message' ? entry.signatures : [];
    messages.push({ locator: line.locator, verdict: line.verdict, reasons: line.reasons, subject: line.subject, from: line.from, explanation: line.reasons.map((reason) => reasonExplanation(reason, signatures)).join(' ') });
  }
  const unreadable = [];
  for (const line of await listed('error', ATTENTION_LIMIT)) {
    const entry = await store.getEntry(dumpId, line.locator);
    unreadable.push({ locator: line.locator, why: entry?.kind === 'error' ? entry.detail : 'unreadable' });
  }
  return {
    messages,
    messagesInAll: counts.failed + counts.partial,
    unreadable,
    unreadableInAll: counts.errors,
    skipped: counts.skipped === 0 ? [] : counts.processed > MAX_ENTRIES_WALKED ? null : await skippedEntries(store, dumpId),
    skippedInAll: counts.skipped,
  };
}

async function skippedEntries(store: Store, dumpId: string): Promise<{ locator: string; why: string }[]> {
  const skipped = [];
  for (const locator of [...(await store.storedLocators(dumpId))].sort()) {
    const entry: EntryRecord | null = await store.getEntry(dumpId, locator);
    if (entry?.kind === 'skipped') skipped.push({ locator, why: entry.reason });
    if (skipped.length === ATTENTION_LIMIT) break;
  }
  return skipped;
}

/** The lists as text, after the summary table. */
export function attentionLines(attention: Attention): string {
  const lines: string[] = [];
  const more = (shown: number, all: number, hint: string) => (all > shown ? [`  … and ${all - shown} more (${hint})`] : []);
  if (attention.messagesInAll > 0) {
    lines.push('', `To look at: ${counted(attention.messagesInAll, 'message')} failed or partially verified${attention.messagesInAll > attention.messages.length ? ` (the first ${attention.messages.length})` : ''}`);
    for (const item of attention.messages) {
      lines.push(`  ${item.verdict.padEnd(19)}${safe(item.locator)}  ${safe(clip(item.subject ?? '(no subject)'))}`, `  ${''.padEnd(19)}${item.explanation}`);
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
    if (attention.skipped === null) lines.push(`  (not listed: the dump has over ${MAX_ENTRIES_WALKED} entries)`);
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
