-- jrec-in's アクセス数 (module `job_postings`, modules spec jrec-in §1.6 item 4): one row per
-- visitor per posting per JST day (`day` = yyyymmdd), so a second view that day is the same
-- row (INSERT … ON CONFLICT DO NOTHING) and the counts are exact under concurrency. `visitor`
-- is a SHA-256 (hex) of the visitor cookie's value, or of the address and user agent where
-- the browser sends none: no address is stored.
CREATE TABLE posting_views (
    posting_id INTEGER NOT NULL REFERENCES job_postings (id) ON DELETE CASCADE,
    day INTEGER NOT NULL,
    visitor TEXT NOT NULL,
    PRIMARY KEY (posting_id, day, visitor)
);
