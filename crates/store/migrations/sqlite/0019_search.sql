-- The public search's change log (crates/search, docs/ARCHITECTURE.md "Search"). A business
-- change that alters what a public search may find (approve, withdraw, edit, publication
-- times) writes one row here in its own transaction; every `serve` instance polls the rows
-- past the last sequence number it applied, re-reads those documents and updates its own
-- index. The row says only which document to re-read, never what changed.
CREATE TABLE search_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The document's scope (a portal's module, e.g. `jrec-in`) and its id within the scope.
    scope TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    changed_at INTEGER NOT NULL
);
