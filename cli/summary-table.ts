import { PROVENANCES } from '../shared/documents/contract.ts';
import type { RemoteDumpSummary } from './remote-api.ts';
import { REASONS, VERDICTS } from '../shared/verdict/contract.ts';
import { megabytes, row } from './format.ts';

/**
 * The closing table of `ingest` and the body of `summary`: counts by verdict and reason, documents by provenance,
 * skips, errors, top signing and sender domains. A summary from a stack deployed before documents were counted
 * has no documents rows: it did not look for them (a 0 would say it found none).
 */
export function summaryTable(summary: RemoteDumpSummary): string {
  const { dump } = summary;
  const lines = [
    `Dump ${dump.id.slice(0, 12)}  ${dump.name}  ${megabytes(dump.bytes)}  ${dump.status}`,
    '',
    row('Verdict', 'Messages'),
  ];
  // `error` entries are the unreadable ones: counted once, on the Errors row below.
  for (const verdict of VERDICTS.filter((v) => v !== 'error')) {
    lines.push(row(verdict, summary.byVerdict[verdict] ?? 0));
    const reasons: readonly string[] = verdict in REASONS ? REASONS[verdict as keyof typeof REASONS] : [];
    for (const reason of reasons) {
      const count = summary.byReason[reason as keyof typeof summary.byReason];
      if (count) lines.push(row(`  ${reason}`, count));
    }
  }
  lines.push(row('Total messages', summary.messages));
  if (summary.documents !== undefined) lines.push(row('Documents (not messages)', summary.documents));
  // Documents not decided yet are counted above but under no provenance.
  for (const provenance of PROVENANCES) {
    const count = summary.byProvenance?.[provenance];
    if (count) lines.push(row(`  ${provenance}`, count));
  }
  lines.push(row('Skipped (not content)', summary.skipped), row('Errors (unreadable)', summary.errors));
  for (const [title, domains] of [['Top signing domains', summary.signingDomains], ['Top sender domains', summary.senderDomains]] as const) {
    if (domains.length === 0) continue;
    lines.push('', row(title, 'Messages'));
    for (const { domain, messages } of domains) lines.push(row(`  ${domain}`, messages));
  }
  return lines.join('\n');
}
