/**
 * The local store's lookups across all dumps (issue 11): where a file's bytes are (documents and attachments),
 * attachments by name and by document identity, copies of a message by identity, and the authors on verified
 * attachments by organisation. Each is one index read (tables and indexes of migration 4); the carrying message's
 * verdict, reasons, From and Date come from its entry by join, so re-verification never leaves them stale.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { authorNamesOf, MAX_KNOWN_AUTHORS } from '../../documents/author-names.ts';
import type { FilePlace } from '../../documents/contract.ts';
import { senderDomainOf, type EntryRecord, type FileKey, type MessageRecord } from '../../ports/verdict-store.ts';
import type { Reason, Verdict } from '../../verdict/contract.ts';
import { organizationalDomain } from '../../verdict/organizational-domain.ts';
import { prepareAll } from './sqlite-database.ts';
import { nameKey } from './sqlite-entry-rows.ts';

/** A document's own row in file_places: it has no MIME path (the column is part of the key, so not null). */
const DOCUMENT_PART = '';

const PLACE_COLUMNS = `
  f.dump_id, f.locator_key, f.mime_path, f.kind, f.sha256, f.name, f.covered_by,
  e.verdict, e.reasons, e.from_header, e.date_header`;
const PLACE_JOIN = 'CROSS JOIN entries AS e ON e.dump_id = f.dump_id AND e.locator_key = f.locator_key';

export const FILE_POSTING_SQL = {
  deletePlaces: 'DELETE FROM file_places WHERE dump_id = ? AND locator_key = ?',
  insertPlace: `
    INSERT OR REPLACE INTO file_places (dump_id, locator_key, mime_path, kind, sha256, name, name_key, document_id, covered_by)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  deleteAuthors: 'DELETE FROM attachment_authors WHERE dump_id = ? AND locator_key = ?',
  insertAuthor: 'INSERT OR IGNORE INTO attachment_authors (organisation, author, dump_id, locator_key) VALUES (?, ?, ?, ?)',
  placesBySha256: `SELECT ${PLACE_COLUMNS} FROM file_places AS f INDEXED BY file_places_by_sha256 ${PLACE_JOIN} WHERE f.sha256 = ?`,
  placesByName: `
    SELECT ${PLACE_COLUMNS} FROM file_places AS f INDEXED BY file_places_by_name ${PLACE_JOIN}
    WHERE f.kind = 'attachment' AND f.name_key IS NOT NULL AND f.name_key = ?`,
  placesByDocumentId: `
    SELECT ${PLACE_COLUMNS} FROM file_places AS f INDEXED BY file_places_by_document_id ${PLACE_JOIN}
    WHERE f.kind = 'attachment' AND f.document_id IS NOT NULL AND f.document_id = ?`,
  messagesWithIdentity: `
    SELECT dump_id, locator_key, verdict FROM entries INDEXED BY entries_by_identity WHERE identity IS NOT NULL AND identity = ?`,
  // The primary key reads an organisation's names in order, so DISTINCT and the cap cost no sort.
  verifiedAuthors: `
    SELECT DISTINCT a.author FROM attachment_authors AS a
    CROSS JOIN entries AS e ON e.dump_id = a.dump_id AND e.locator_key = a.locator_key
    WHERE a.organisation = ? AND e.verdict = 'verified'
    ORDER BY a.author LIMIT ${MAX_KNOWN_AUTHORS}`,
} as const;

interface PlaceRow {
  dump_id: string;
  locator_key: string;
  mime_path: string;
  kind: FilePlace['kind'];
  sha256: string;
  name: string | null;
  covered_by: string;
  verdict: string | null;
  reasons: string | null;
  from_header: string | null;
  date_header: string | null;
}

export class SqliteFilePostings {
  readonly #db: DatabaseSync;
  readonly #statements: Record<keyof typeof FILE_POSTING_SQL, StatementSync>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#statements = prepareAll(db, FILE_POSTING_SQL);
  }

  /** Writes an entry's postings afresh (inside the caller's transaction): a rewritten entry replaces its own. */
  put(dumpId: string, key: string, entry: EntryRecord): void {
    const statements = this.#statements;
    statements.deletePlaces.run(dumpId, key);
    statements.deleteAuthors.run(dumpId, key);
    if (entry.kind === 'document') {
      statements.insertPlace.run(dumpId, key, DOCUMENT_PART, 'document', entry.sha256, entry.name, null, null, '[]');
    } else if (entry.kind === 'message') {
      for (const values of attachmentPlaceValues(entry)) statements.insertPlace.run(dumpId, key, ...values);
      const domain = senderDomainOf(entry.sender);
      if (domain === null) return;
      const organisation = organizationalDomain(domain);
      for (const author of authorNamesOf(entry.attachments)) statements.insertAuthor.run(organisation, author, dumpId, key);
    }
  }

  /*
   * The two lookups below are read as async iterables, so two of them can be open at once (a route deciding a
   * provenance while it lists the places of the same bytes). Iterators of one StatementSync share its cursor and
   * would split the rows between them, so each iteration prepares its own statement.
   */

  *filePlaces(key: FileKey): Generator<FilePlace> {
    const [sql, value] =
      'sha256' in key
        ? [FILE_POSTING_SQL.placesBySha256, key.sha256.toLowerCase()]
        : 'name' in key
          ? [FILE_POSTING_SQL.placesByName, nameKey(key.name)]
          : [FILE_POSTING_SQL.placesByDocumentId, key.documentId];
    for (const row of this.#db.prepare(sql).iterate(value)) yield placeOf(row as unknown as PlaceRow);
  }

  *messagesWithIdentity(identity: string): Generator<{ dumpId: string; locator: string; verdict: Verdict }> {
    for (const row of this.#db.prepare(FILE_POSTING_SQL.messagesWithIdentity).iterate(identity)) {
      yield { dumpId: row.dump_id as string, locator: row.locator_key as string, verdict: row.verdict as Verdict };
    }
  }

  verifiedAuthors(organisation: string): string[] {
    return this.#statements.verifiedAuthors.all(organisation.toLowerCase()).map((row) => row.author as string);
  }
}

/** A message's attachments as file_places values after (dump_id, locator_key). */
function attachmentPlaceValues(message: MessageRecord): SQLInputValue[][] {
  return message.attachments.map((attachment) => {
    // The d= of the signatures covering the part, as signingDomains reads d= (trimmed, lower-cased), each once.
    const coveredBy = [...new Set(attachment.coveredBy.flatMap((index) => message.signatures[index]?.d?.trim().toLowerCase() || []))];
    const documentId = attachment.metadata?.fields.documentId ?? null;
    const { name } = attachment;
    return [attachment.mimePath, 'attachment', attachment.sha256, name, name ? nameKey(name) : null, documentId, JSON.stringify(coveredBy)];
  });
}

function placeOf(row: PlaceRow): FilePlace {
  const attachment = row.kind === 'attachment';
  return {
    dumpId: row.dump_id,
    locator: row.locator_key,
    kind: row.kind,
    mimePath: attachment ? row.mime_path : null,
    name: row.name,
    sha256: row.sha256,
    verdict: attachment ? (row.verdict as Verdict) : null,
    reasons: attachment ? (JSON.parse(row.reasons ?? '[]') as Reason[]) : [],
    from: attachment ? row.from_header : null,
    date: attachment ? row.date_header : null,
    coveredBy: JSON.parse(row.covered_by) as string[],
  };
}
