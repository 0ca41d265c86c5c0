-- The new-posting form's one-time token (docs/JOB_POSTINGS.md, 「A new form posted twice」): the
-- first POST of a new form makes the posting and keeps the token; the same form posted again (a
-- double click on 「一時保存」, or back and again) finds that posting instead of making a second.
-- NULL for postings made before, or by a POST without a token (NULLs never collide).
ALTER TABLE job_postings ADD COLUMN form_token TEXT;
CREATE UNIQUE INDEX job_postings_form_token ON job_postings (organization_id, form_token);
