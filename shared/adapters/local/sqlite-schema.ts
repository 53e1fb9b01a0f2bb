/**
 * The local store's schema, one migration per version: `PRAGMA user_version` is the number applied. Append new
 * migrations; never edit a released one, since files in the field already ran it.
 *
 * Tables are STRICT so every column holds the type declared here: the adapters read rows back by these types.
 * Timestamps are ISO 8601 text (UTC, `toISOString()` form), so text order is time order.
 */
export const LOCAL_MIGRATIONS: readonly string[] = [
  // 1: dumps, their entries, the signing domains of each message, archived keys.
  `
  CREATE TABLE dumps (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('splitting', 'processing', 'complete', 'interrupted')),
    started_at  TEXT NOT NULL,
    finished_at TEXT
  ) STRICT;
  CREATE INDEX dumps_by_start ON dumps (started_at);

  -- One row per dump entry. kind 'message' fills the verdict columns (and only it has a verdict, so counts by
  -- verdict count messages); 'skipped' keeps its reason in detail; 'error' keeps its one-line cause in detail.
  CREATE TABLE entries (
    dump_id      TEXT NOT NULL REFERENCES dumps (id) ON DELETE CASCADE,
    locator_key  TEXT NOT NULL,
    locator      TEXT NOT NULL,  -- JSON Locator
    kind         TEXT NOT NULL CHECK (kind IN ('message', 'skipped', 'error')),
    sha256       TEXT,
    message_id   TEXT,
    from_header  TEXT,
    date_header  TEXT,
    subject      TEXT,
    verdict      TEXT,
    reasons      TEXT,           -- JSON Reason[]
    detail       TEXT,
    verified_at  TEXT,
    received_at  TEXT,
    signatures   TEXT,           -- JSON SignatureEvidence[]
    PRIMARY KEY (dump_id, locator_key),
    CHECK ((kind = 'message') = (verdict IS NOT NULL))
  ) STRICT;
  -- Counts by verdict, and a dump's messages of one verdict in locator order. reasons (short JSON) rides along
  -- so counting by reason reads this index, not every ~2 KB row.
  CREATE INDEX entries_by_verdict ON entries (dump_id, verdict, locator_key, reasons);

  -- The distinct signing domains (d=, lower-cased) of each message, so "top signing domains" and "a dump's
  -- messages signed by d" are index scans rather than JSON scans of every row.
  CREATE TABLE entry_signing_domains (
    dump_id     TEXT NOT NULL,
    locator_key TEXT NOT NULL,
    domain      TEXT NOT NULL,
    PRIMARY KEY (dump_id, locator_key, domain),
    FOREIGN KEY (dump_id, locator_key) REFERENCES entries (dump_id, locator_key) ON DELETE CASCADE
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX signing_domains_by_domain ON entry_signing_domains (dump_id, domain, locator_key);

  -- Every DKIM key record ever seen. domain and selector are stored lower-case; the unique index also
  -- serves lookups by (domain, selector).
  CREATE TABLE keys (
    domain        TEXT NOT NULL,
    selector      TEXT NOT NULL,
    value         TEXT NOT NULL,
    first_seen_at TEXT,
    last_seen_at  TEXT,
    source        TEXT,
    UNIQUE (domain, selector, value)
  ) STRICT;
  `,

  // 2: what the API lists by (sender, date) and what re-verification selects by (rules version, signing key).
  // Every listing index ends in locator_key after its equality columns, so a filtered listing reads off the index
  // in locator order and a cursor is one more range bound. Partial indexes leave out the rows they cannot match
  // (skipped entries, errors, messages without the field): smaller, and cheaper for ingest to keep up.
  `
  ALTER TABLE entries ADD COLUMN sender        TEXT;     -- first From address, lower-cased
  ALTER TABLE entries ADD COLUMN sender_domain TEXT;     -- senderDomainOf(sender)
  ALTER TABLE entries ADD COLUMN rules_version INTEGER;  -- RULES_VERSION that computed the verdict (messages)
  ALTER TABLE entries ADD COLUMN history       TEXT;     -- JSON VerdictChange[] (messages)
  -- Verdicts stored before rules were versioned came from the first rules. Their sender was not kept: null.
  UPDATE entries SET rules_version = 1, history = '[]' WHERE kind = 'message';

  CREATE INDEX entries_by_sender ON entries (dump_id, sender, locator_key) WHERE sender IS NOT NULL;
  CREATE INDEX entries_by_sender_domain ON entries (dump_id, sender_domain, locator_key) WHERE sender_domain IS NOT NULL;
  -- Date ranges (a listing sorts the range's locator keys, read from this index alone) and counts by month.
  CREATE INDEX entries_by_date ON entries (dump_id, date_header, verdict, locator_key) WHERE date_header IS NOT NULL;
  CREATE INDEX entries_by_rules ON entries (dump_id, rules_version, locator_key) WHERE rules_version IS NOT NULL;
  -- Unreadable entries have no verdict column (a CHECK of migration 1) but list under verdict "error".
  CREATE INDEX entries_errors ON entries (dump_id, locator_key) WHERE kind = 'error';

  -- One row per signature of a message that names both d= and s= (lower-cased): which stored verdicts a key
  -- (added, changed, found compromised) can change. signature_index is the position in entries.signatures.
  CREATE TABLE entry_signatures (
    dump_id            TEXT NOT NULL,
    locator_key        TEXT NOT NULL,
    signature_index    INTEGER NOT NULL,
    domain             TEXT NOT NULL,
    selector           TEXT NOT NULL,
    status             TEXT NOT NULL,
    key_record         TEXT,  -- the TXT record that checked it (null: no key)
    key_compromised_at TEXT,  -- that key's compromisedAt as the archive said at verification
    PRIMARY KEY (dump_id, locator_key, signature_index),
    FOREIGN KEY (dump_id, locator_key) REFERENCES entries (dump_id, locator_key) ON DELETE CASCADE
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX signatures_by_selector ON entry_signatures (domain, selector);
  INSERT INTO entry_signatures
    (dump_id, locator_key, signature_index, domain, selector, status, key_record, key_compromised_at)
  SELECT e.dump_id, e.locator_key, s.key, lower(trim(s.value ->> '$.d')), lower(trim(s.value ->> '$.s')),
         s.value ->> '$.status', s.value ->> '$.key.record', s.value ->> '$.key.compromisedAt'
  FROM entries AS e, json_each(e.signatures) AS s
  WHERE e.kind = 'message' AND trim(s.value ->> '$.d') <> '' AND trim(s.value ->> '$.s') <> '';

  -- When a key's private half became known to others. findByDomain reads the UNIQUE (domain, selector, value).
  ALTER TABLE keys ADD COLUMN compromised_at TEXT;
  `,

  // 3: a dump that will not complete (its split gave up) is 'failed', with the reason. Widening migration 1's
  // CHECK needs no copy of the table (a copy would cascade-delete every entry through the foreign keys): SQLite
  // documents editing the stored CREATE text for constraint changes that every existing row already meets
  // (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes"). The column is
  // added first (ADD COLUMN appends at the offset it parsed), and RESET reloads the edited schema at once.
  `
  ALTER TABLE dumps ADD COLUMN failure TEXT;  -- why the dump failed (status 'failed' only)
  PRAGMA writable_schema = ON;
  UPDATE sqlite_schema SET sql = replace(sql, '''complete'', ''interrupted''))', '''complete'', ''interrupted'', ''failed''))')
  WHERE type = 'table' AND name = 'dumps';
  PRAGMA writable_schema = RESET;
  `,

  // 4: documents and the files of messages (issue 11). Entries of kind 'document' (migration 1's CHECK widened as
  // migration 3 widened the dumps'), with their facts and decided provenance; a message's attachments, ARC and
  // forensics evidence as JSON (rows stored before read back with no attachments and no ARC or forensics).
  // Lookups across the store are index reads: a file's places by SHA-256, attachments by lower-cased name and by
  // document identity, copies of a message by identity, authors by organisation. The carrying message's verdict,
  // reasons, From and Date are read from its entry by join at query time, so re-verification never leaves a
  // stale copy in a posting.
  `
  ALTER TABLE entries ADD COLUMN name             TEXT;     -- documents: base name
  ALTER TABLE entries ADD COLUMN name_key         TEXT;     -- documents: name lower-cased (JavaScript's toLowerCase)
  ALTER TABLE entries ADD COLUMN declared_type    TEXT;     -- documents: null today (nothing declares one)
  ALTER TABLE entries ADD COLUMN detected_type    TEXT;     -- documents: media type by magic bytes
  ALTER TABLE entries ADD COLUMN size             INTEGER;  -- documents: bytes
  ALTER TABLE entries ADD COLUMN metadata         TEXT;     -- documents: JSON FileMetadata
  ALTER TABLE entries ADD COLUMN provenance       TEXT;     -- documents: JSON ProvenanceEvidence, once decided
  ALTER TABLE entries ADD COLUMN provenance_value TEXT;     -- documents: its provenance, what counts and filters read
  ALTER TABLE entries ADD COLUMN attachments      TEXT;     -- messages: JSON AttachmentRecord[]
  ALTER TABLE entries ADD COLUMN attachments_note TEXT;     -- messages: why the list may be incomplete
  ALTER TABLE entries ADD COLUMN arc              TEXT;     -- messages: JSON ArcEvidence
  ALTER TABLE entries ADD COLUMN forensics        TEXT;     -- messages: JSON MessageForensics
  ALTER TABLE entries ADD COLUMN identity         TEXT;     -- messages: messageIdentityOf (null: nothing to group by)
  PRAGMA writable_schema = ON;
  UPDATE sqlite_schema SET sql = replace(sql, '''skipped'', ''error''))', '''skipped'', ''error'', ''document''))')
  WHERE type = 'table' AND name = 'entries';
  PRAGMA writable_schema = RESET;
  -- Copies of messages stored before are found by Message-ID (messageIdentityOf's "id:"; the display headers kept
  -- it trimmed). Those without one would need a hash of From, Date and Subject that SQL cannot make: they are
  -- grouped once their dump is verified again or ingested afresh.
  UPDATE entries SET identity = 'id:' || trim(message_id) WHERE kind = 'message' AND trim(message_id) <> '';

  -- A dump's documents in locator order, whole or by the one filter a listing reads its index for.
  CREATE INDEX entries_documents ON entries (dump_id, locator_key) WHERE kind = 'document';
  CREATE INDEX entries_documents_by_provenance ON entries (dump_id, provenance_value, locator_key) WHERE kind = 'document';
  CREATE INDEX entries_documents_by_type ON entries (dump_id, detected_type, locator_key) WHERE kind = 'document';
  CREATE INDEX entries_documents_by_name ON entries (dump_id, name_key, locator_key) WHERE kind = 'document';
  -- Every copy of a message in the store, with its verdict beside it.
  CREATE INDEX entries_by_identity ON entries (identity, dump_id, locator_key, verdict) WHERE identity IS NOT NULL;

  -- One row per file of an entry: a document (mime_path '') or each attachment of a message. Its indexes are the
  -- postings: by bytes (documents and attachments), and for attachments by lower-cased name and document identity.
  CREATE TABLE file_places (
    dump_id     TEXT NOT NULL,
    locator_key TEXT NOT NULL,
    mime_path   TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('document', 'attachment')),
    sha256      TEXT NOT NULL,
    name        TEXT,
    name_key    TEXT,           -- attachments: name lower-cased
    document_id TEXT,           -- attachments: metadata.fields.documentId
    covered_by  TEXT NOT NULL,  -- JSON string[]: d= (lower-case) of the signatures covering the part
    PRIMARY KEY (dump_id, locator_key, mime_path),
    FOREIGN KEY (dump_id, locator_key) REFERENCES entries (dump_id, locator_key) ON DELETE CASCADE
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX file_places_by_sha256 ON file_places (sha256);
  CREATE INDEX file_places_by_name ON file_places (name_key) WHERE kind = 'attachment' AND name_key IS NOT NULL;
  CREATE INDEX file_places_by_document_id ON file_places (document_id) WHERE kind = 'attachment' AND document_id IS NOT NULL;

  -- Author and last-modifier names on the attachments of messages, by the organisational domain of the message's
  -- sender; verifiedAuthors keeps those whose message is verified now (by join, so never stale).
  CREATE TABLE attachment_authors (
    organisation TEXT NOT NULL,
    author       TEXT NOT NULL,
    dump_id      TEXT NOT NULL,
    locator_key  TEXT NOT NULL,
    PRIMARY KEY (organisation, author, dump_id, locator_key),
    FOREIGN KEY (dump_id, locator_key) REFERENCES entries (dump_id, locator_key) ON DELETE CASCADE
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX attachment_authors_by_entry ON attachment_authors (dump_id, locator_key);
  `,
  // 5: free-text search and sorted listings (issue 14). Each message's search words (shared/search/search-words.ts,
  // folded by the store: lower case, no diacritics, at most 64) in an FTS5 table, a row per message found through
  // entry_search_rows, whose INTEGER PRIMARY KEY is the FTS rowid (entries' own rowid is not kept by VACUUM).
  // detail=none: a search is prefix terms joined by AND, which needs no positions. Messages stored before are
  // indexed from their raw fields, folded by FTS5's tokenizer (unicode61, remove_diacritics 2): the same words but
  // for the 64-word cap, until they are written again.
  // A sorted listing with no filter reads one expression index per sort in order, a page at a time; the
  // expressions are sorted-listing.ts's sort keys, and the listing's SQL uses them verbatim (sqlite-sorted-listing.ts).
  `
  CREATE TABLE entry_search_rows (
    id          INTEGER PRIMARY KEY,
    dump_id     TEXT NOT NULL,
    locator_key TEXT NOT NULL,
    UNIQUE (dump_id, locator_key),
    FOREIGN KEY (dump_id, locator_key) REFERENCES entries (dump_id, locator_key) ON DELETE CASCADE
  ) STRICT;
  CREATE VIRTUAL TABLE entry_search USING fts5 (words, tokenize = 'unicode61 remove_diacritics 2', detail = none);
  CREATE TRIGGER entry_search_rows_deleted AFTER DELETE ON entry_search_rows BEGIN
    DELETE FROM entry_search WHERE rowid = old.id;
  END;
  INSERT INTO entry_search_rows (dump_id, locator_key) SELECT dump_id, locator_key FROM entries WHERE kind = 'message';
  INSERT INTO entry_search (rowid, words)
  SELECT s.id, coalesce(e.subject, '') || ' ' || coalesce(e.from_header, '') || ' ' || coalesce(e.message_id, '')
  FROM entry_search_rows AS s JOIN entries AS e ON e.dump_id = s.dump_id AND e.locator_key = s.locator_key;

  CREATE INDEX entries_sorted_by_date ON entries (dump_id, coalesce(date_header, ''), locator_key) WHERE kind IN ('message', 'error');
  CREATE INDEX entries_sorted_by_from ON entries (dump_id, coalesce(sender, ''), locator_key) WHERE kind IN ('message', 'error');
  CREATE INDEX entries_sorted_by_subject ON entries (dump_id, lower(coalesce(subject, '')), locator_key) WHERE kind IN ('message', 'error');
  CREATE INDEX entries_sorted_by_verdict ON entries (dump_id, CASE coalesce(verdict, 'error') WHEN 'verified' THEN 0 WHEN 'partially-verified' THEN 1 WHEN 'failed' THEN 2 WHEN 'unverified' THEN 3 ELSE 4 END, locator_key) WHERE kind IN ('message', 'error');
  `,
  // 6: a message's To and Cc as people read them (display-headers.ts), for the message view, the export and search.
  // Messages stored before read back with neither (null) and keep their search words until they are written again:
  // the bytes are not in the store, so nothing here can fill them in.
  `
  ALTER TABLE entries ADD COLUMN to_header TEXT;  -- messages: the To field, decoded (null: none, or stored before)
  ALTER TABLE entries ADD COLUMN cc_header TEXT;  -- messages: the Cc field, decoded
  `,
  // 7: which displayed fields show a value no verifying signature covers (display-fields.ts: the top-most instance
  // is shown, as mail readers show it). Messages stored before read back null (not known) until written again.
  `
  ALTER TABLE entries ADD COLUMN unsigned_shown TEXT;  -- messages: JSON array of field names ("subject", "from"…)
  `,
];
