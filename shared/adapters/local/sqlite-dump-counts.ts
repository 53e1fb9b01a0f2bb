import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Provenance } from '../../documents/contract.ts';
import type { DumpOverview, DumpRecord, DumpSummary } from '../../ports/verdict-store.ts';
import type { Reason, Verdict } from '../../verdict/contract.ts';
import { prepareAll } from './sqlite-database.ts';
import { dumpOverviewOf } from './sqlite-entry-rows.ts';

const TOP_DOMAINS = 10;

/**
 * The counting queries of a dump, each read off one index (tests check the plans). The local store keeps no
 * counters: it counts its rows, so a rewritten row moves its counts by itself.
 */
export const DUMP_COUNT_SQL = {
  // Only messages have a verdict (a CHECK holds it), so this counts messages, off the verdict index.
  byVerdict: `
    SELECT verdict, count(*) AS n FROM entries WHERE dump_id = ? AND verdict IS NOT NULL GROUP BY verdict`,
  nonMessages: `
    SELECT kind, count(*) AS n FROM entries WHERE dump_id = ? AND verdict IS NULL GROUP BY kind`,
  // Decided documents only: an undecided one has no provenance to count.
  byProvenance: `
    SELECT provenance_value AS provenance, count(*) AS n FROM entries INDEXED BY entries_documents_by_provenance
    WHERE dump_id = ? AND kind = 'document' AND provenance_value IS NOT NULL GROUP BY provenance_value`,
  // DISTINCT: a message counts once per reason even if its list repeats one. INDEXED BY: the planner would
  // read the whole rows; the verdict index covers this query (about 7 times faster).
  byReason: `
    SELECT reason, count(*) AS n FROM (
      SELECT DISTINCT e.locator_key, r.value AS reason
      FROM entries AS e INDEXED BY entries_by_verdict, json_each(e.reasons) AS r
      WHERE e.dump_id = ? AND e.verdict IS NOT NULL
    ) GROUP BY reason`,
  topSigningDomains: `
    SELECT domain, count(*) AS messages FROM entry_signing_domains WHERE dump_id = ?
    GROUP BY domain ORDER BY messages DESC, domain LIMIT ${TOP_DOMAINS}`,
  // Only messages have a sender.
  topSenderDomains: `
    SELECT sender_domain AS domain, count(*) AS messages FROM entries INDEXED BY entries_by_sender_domain
    WHERE dump_id = ? AND sender_domain IS NOT NULL
    GROUP BY sender_domain ORDER BY messages DESC, domain LIMIT ${TOP_DOMAINS}`,
  // substr(date, 1, 7) is monthOf: dates are stored as ISO text.
  byMonth: `
    SELECT substr(date_header, 1, 7) AS month, verdict, count(*) AS n FROM entries INDEXED BY entries_by_date
    WHERE dump_id = ? AND date_header IS NOT NULL AND verdict IS NOT NULL
    GROUP BY month, verdict ORDER BY month, verdict`,
} as const;

/** Counts a dump's entries: how far it got (overview) and what it holds (summary). */
export class SqliteDumpCounts {
  readonly #statements: Record<keyof typeof DUMP_COUNT_SQL, StatementSync>;

  constructor(db: DatabaseSync) {
    this.#statements = prepareAll(db, DUMP_COUNT_SQL);
  }

  overview(dump: DumpRecord): DumpOverview {
    return this.#count(dump).overview;
  }

  summary(dump: DumpRecord): DumpSummary {
    const { overview, byVerdict, messageErrors } = this.#count(dump);
    const summary: DumpSummary = {
      dump: overview,
      messages: overview.messages,
      byVerdict,
      byReason: {},
      signingDomains: [],
      documents: overview.documents,
      byProvenance: {},
      skipped: overview.skipped,
      // Unreadable entries, and messages whose verdict is error.
      errors: overview.errors + messageErrors,
      senderDomains: [],
      months: [],
      undated: overview.messages,
    };
    for (const row of this.#statements.byReason.iterate(dump.id)) summary.byReason[row.reason as Reason] = row.n as number;
    for (const row of this.#statements.byProvenance.iterate(dump.id)) summary.byProvenance[row.provenance as Provenance] = row.n as number;
    for (const row of this.#statements.topSigningDomains.iterate(dump.id)) {
      summary.signingDomains.push({ domain: row.domain as string, messages: row.messages as number });
    }
    for (const row of this.#statements.topSenderDomains.iterate(dump.id)) {
      summary.senderDomains.push({ domain: row.domain as string, messages: row.messages as number });
    }
    for (const row of this.#statements.byMonth.iterate(dump.id)) {
      const month = row.month as string;
      const n = row.n as number;
      let last = summary.months.at(-1);
      if (last?.month !== month) summary.months.push((last = { month, byVerdict: {} }));
      last.byVerdict[row.verdict as Verdict] = n;
      // Every dated message is in one month: the rest are undated.
      summary.undated -= n;
    }
    return summary;
  }

  #count(dump: DumpRecord) {
    const byVerdict: DumpSummary['byVerdict'] = {};
    const counts = { messages: 0, documents: 0, skipped: 0, errors: 0 };
    let messageErrors = 0;
    for (const row of this.#statements.byVerdict.iterate(dump.id)) {
      const verdict = row.verdict as Verdict;
      const n = row.n as number;
      byVerdict[verdict] = n;
      counts.messages += n;
      if (verdict === 'error') messageErrors += n;
    }
    for (const row of this.#statements.nonMessages.iterate(dump.id)) {
      if (row.kind === 'document') counts.documents += row.n as number;
      if (row.kind === 'skipped') counts.skipped += row.n as number;
      if (row.kind === 'error') counts.errors += row.n as number;
    }
    return { overview: dumpOverviewOf(dump, counts), byVerdict, messageErrors };
  }
}
