-- Web応募 (jrec-in §1.8.3, §1.9; docs/APPLICATIONS.md): one row per seeker and posting.
-- The row exists from the upload (status 'draft': the document is stored, the seeker has not
-- yet pressed 「応募する」 on the confirmation), so nothing uploaded is lost between the form
-- and the confirmation, and a second press of the same confirmation finds no draft to file.
--   organization_id      the posting's institution (every institution query binds it)
--   seeker_id            the applicant's account; NULL after the seeker's 退会 (the application
--                        stays with the institution, §1.8.6)
--   receipt_id           応募受付ID, `E` + 9 characters; NULL while a draft
--   status               'draft' or one of the nine 応募状況 (crate::status::Status::code)
--   seeker_status        the 応募状況 the applicant sees: the last one told (by mail) or set by
--                        the system (応募中, 再提出待ち, 再提出済)
--   previous_status      the status before the current one (the 7-day return from 不採用)
--   file_id              the document (`files`, owner the institution, uploader the seeker)
--   name … affiliation   the applicant data as confirmed (a snapshot: later profile changes
--                        do not alter what was sent)
--   message              the applicant's message to the institution (≤ 1,000)
--   lang                 the language the seeker applied in: the seeker's mails go out in it
--   note                 求人機関備考 (≤ 2,000): never shown or mailed to the applicant
--   data_number, title   the posting as it was when applied (for the seeker's 応募履歴)
--   version              raised by every change, so a confirmation posted twice changes once
CREATE TABLE applications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    posting_id BIGINT NOT NULL REFERENCES job_postings (id) ON DELETE CASCADE,
    seeker_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    receipt_id TEXT UNIQUE,
    status TEXT NOT NULL,
    seeker_status TEXT NOT NULL,
    previous_status TEXT,
    file_id BIGINT NOT NULL REFERENCES files (id),
    name TEXT NOT NULL,
    furigana TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    affiliation TEXT NOT NULL,
    message TEXT NOT NULL,
    lang TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    data_number TEXT NOT NULL,
    title TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    applied_at BIGINT,
    status_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (posting_id, seeker_id)
);
CREATE INDEX applications_by_posting ON applications (portal, organization_id, posting_id, status);
CREATE INDEX applications_by_seeker ON applications (portal, seeker_id, applied_at);
