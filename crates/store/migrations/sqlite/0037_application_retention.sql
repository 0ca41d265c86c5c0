-- jrec-in's retention of Web応募 (modules spec jrec-in.md §1.13 "applications retained",
-- modules README §6.3 decision 4; docs/APPLICATIONS.md "Retention"): the applications of a
-- posting are kept until 募集終了日 + the portal's retention days, then their documents' bytes
-- and the applicant snapshot are erased; the institution is told 30 days before.
--   applications.purged_at  when the application's document and applicant data were erased
--                           (the row stays: 応募受付ID, status, dates, the posting)
-- One row per posting of `application_retention`: noticed_at is set in the notice mail's
-- transaction, purged_at in the purge's. The primary key (and the NULL check of each column)
-- is the claim: each step happens once ever, by one instance.
ALTER TABLE applications ADD COLUMN purged_at INTEGER;
CREATE TABLE application_retention (
    portal TEXT NOT NULL,
    posting_id INTEGER NOT NULL,
    noticed_at INTEGER,
    purged_at INTEGER,
    PRIMARY KEY (portal, posting_id)
);
