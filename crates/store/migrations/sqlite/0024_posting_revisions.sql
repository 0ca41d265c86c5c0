-- A registered posting's approved revision waiting for its 反映 time (jrec-in spec §1.3 rule 6;
-- docs/JOB_POSTINGS.md "Review, revisions and withdrawal"): the public keeps seeing
-- `public_snapshot` until `next_at` (Unix seconds, 22:00 or 00:00 JST of the 反映日 by
-- madoguchi_core::publication), and from then `next_snapshot` with its 募集終了日
-- `next_end_date`. Visibility is computed at read time (publish::Public::current), so the
-- switch needs no job; the next write to the posting folds a due revision into the public
-- columns. `withdrawn_at` is when the institution pressed 「取り下げ」 (`unpublish_at` is when
-- it takes effect, 22:00 that day). `public_since` is when `public_snapshot` became (or becomes)
-- the public version: the first publication, then each revision's 反映 time (the 更新日).
ALTER TABLE job_postings ADD COLUMN next_snapshot TEXT;
ALTER TABLE job_postings ADD COLUMN next_at INTEGER;
ALTER TABLE job_postings ADD COLUMN next_end_date TEXT;
ALTER TABLE job_postings ADD COLUMN withdrawn_at INTEGER;
ALTER TABLE job_postings ADD COLUMN public_since INTEGER;
