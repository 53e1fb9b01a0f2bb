import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SelectorUse } from '../../ports/verdict-store.ts';
import type { SignatureStatus, Verdict } from '../../verdict/contract.ts';
import { prepareAll } from './sqlite-database.ts';
import type { SelectorUseRow } from './sqlite-entry-rows.ts';

const PAGE = 500;

/**
 * What re-verification selects by, each read off an index (tests check the plans). The iterations read in
 * keyset pages rather than holding a statement open: their caller rewrites the very rows they walk
 * (replaceMessages), and a page boundary is a key, which a rewrite does not move.
 */
export const REVERIFY_SQL = {
  // A loose index scan: one index seek per distinct (domain, selector), not one step per signature.
  nextSelector: `
    SELECT domain, selector FROM entry_signatures INDEXED BY signatures_by_selector
    WHERE (domain, selector) > (?, ?) ORDER BY domain, selector LIMIT 1`,
  // The index on (domain, selector) holds the primary key after them: pages run in its order, unsorted.
  selectorUses: `
    SELECT s.dump_id, s.locator_key, s.signature_index, e.verdict, e.rules_version, s.status, s.key_record,
           s.key_compromised_at
    FROM entry_signatures AS s INDEXED BY signatures_by_selector
    CROSS JOIN entries AS e ON e.dump_id = s.dump_id AND e.locator_key = s.locator_key
    WHERE s.domain = ? AND s.selector = ? AND (s.dump_id, s.locator_key, s.signature_index) > (?, ?, ?)
    ORDER BY s.dump_id, s.locator_key, s.signature_index LIMIT ${PAGE}`,
  dumpsBeforeRules: `
    SELECT id FROM dumps
    WHERE EXISTS (SELECT 1 FROM entries AS e INDEXED BY entries_by_rules WHERE e.dump_id = dumps.id AND e.rules_version < ?)
    ORDER BY started_at DESC, rowid DESC`,
  messagesBeforeRules: `
    SELECT rules_version, locator_key FROM entries AS e INDEXED BY entries_by_rules
    WHERE dump_id = ? AND rules_version < ? AND (rules_version, locator_key) > (?, ?)
    ORDER BY rules_version, locator_key LIMIT ${PAGE}`,
} as const;

/** Selection of the stored verdicts a re-verification may change. */
export class SqliteReverifySelection {
  readonly #statements: Record<keyof typeof REVERIFY_SQL, StatementSync>;

  constructor(db: DatabaseSync) {
    this.#statements = prepareAll(db, REVERIFY_SQL);
  }

  async *seenSelectors(): AsyncGenerator<{ domain: string; selector: string }> {
    let last = { domain: '', selector: '' };
    for (;;) {
      const row = this.#statements.nextSelector.get(last.domain, last.selector);
      if (row === undefined) return;
      last = { domain: row.domain as string, selector: row.selector as string };
      yield last;
    }
  }

  async *selectorUses(domain: string, selector: string, dumpId?: string): AsyncGenerator<SelectorUse> {
    // The index orders uses by dump: one dump's start where the dump's key does and end at the next dump's.
    let after: [string, string, number] = [dumpId ?? '', '', -1];
    for (;;) {
      const rows = this.#statements.selectorUses.all(domain, selector, ...after) as unknown as SelectorUseRow[];
      for (const row of rows) {
        if (dumpId !== undefined && row.dump_id !== dumpId) return;
        yield {
          dumpId: row.dump_id,
          locator: row.locator_key,
          verdict: row.verdict as Verdict,
          rulesVersion: row.rules_version ?? 1,
          status: row.status as SignatureStatus,
          keyRecord: row.key_record,
          keyCompromisedAt: row.key_compromised_at,
        };
      }
      const last = rows.at(-1);
      if (rows.length < PAGE || last === undefined) return;
      after = [last.dump_id, last.locator_key, last.signature_index];
    }
  }

  dumpsBeforeRules(rulesVersion: number): string[] {
    return this.#statements.dumpsBeforeRules.all(rulesVersion).map((row) => row.id as string);
  }

  async *messagesBeforeRules(dumpId: string, rulesVersion: number): AsyncGenerator<string> {
    let after: [number, string] = [-1, ''];
    for (;;) {
      const rows = this.#statements.messagesBeforeRules.all(dumpId, rulesVersion, ...after);
      for (const row of rows) yield row.locator_key as string;
      const last = rows.at(-1);
      if (rows.length < PAGE || last === undefined) return;
      after = [last.rules_version as number, last.locator_key as string];
    }
  }
}
