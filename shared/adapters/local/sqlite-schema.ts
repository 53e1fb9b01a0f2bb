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
];
