-- jrec-in's result reminder (modules spec jrec-in.md §1.9, Beyond; docs/APPLICATIONS.md): one row
-- per posting whose institution was reminded, 30 days after 募集終了日, of the applications still
-- waiting for a result. The primary key is the claim: the row goes in in the mail's transaction,
-- so the reminder is sent once ever, by one instance.
CREATE TABLE application_reminders (
    portal TEXT NOT NULL,
    posting_id BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (portal, posting_id)
);
