-- 「事務局へ依頼する」 (jrec-in spec §1.3 rule 7, §1.6 item 3, §1.11 item 3;
-- docs/JOB_POSTINGS.md): a request an institution files with the 事務局 about one of its
-- postings while it is 登録依頼中 or 修正依頼中, instead of an e-mail. `kind` is `withdraw`
-- (取り下げ希望), `change` (修正希望) or `other`; `body` the text, `location` the optional
-- 修正箇所. The posting's データ番号 and 求人件名 as they stood when it was filed are kept with it
-- (`data_number`, `title`), so that the 事務局 reads what the institution saw. Open while
-- `closed_at` is NULL; the 事務局 closes it with `note` (mailed to the institution), once.
CREATE TABLE posting_office_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    posting_id BIGINT NOT NULL REFERENCES job_postings (id) ON DELETE CASCADE,
    user_id BIGINT,
    kind TEXT NOT NULL CHECK (kind IN ('withdraw', 'change', 'other')),
    body TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    data_number BIGINT NOT NULL,
    title TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by BIGINT,
    note TEXT
);
CREATE INDEX posting_office_requests_open ON posting_office_requests (portal, closed_at, filed_at);
CREATE INDEX posting_office_requests_by_posting ON posting_office_requests (posting_id, filed_at);
