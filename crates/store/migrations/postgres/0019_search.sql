-- The public search's change log (crates/search, docs/ARCHITECTURE.md "Search"). A business
-- change that alters what a public search may find (approve, withdraw, edit, publication
-- times) writes one row here in its own transaction; every `serve` instance polls the rows
-- past the last sequence number it applied, re-reads those documents and updates its own
-- index. The row says only which document to re-read, never what changed. A sequence value
-- is taken at insert but seen at commit, so rows can appear out of order: the follower keeps
-- the numbers it skipped as open gaps for a while (crates/search/src/follower.rs).
CREATE TABLE search_changes (
    seq BIGSERIAL PRIMARY KEY,
    scope TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    changed_at BIGINT NOT NULL
);
