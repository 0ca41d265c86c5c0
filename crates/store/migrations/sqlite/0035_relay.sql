-- Relayed messages (modules README §0.8; docs/ARCHITECTURE.md "Relayed messages"): a thread
-- between an organization (side 'a', e.g. a jrec-in institution) and one user (side 'b', e.g.
-- a seeker), every message stored here and announced by mail with a link. The addresses of
-- the parties are never stored in a thread; a message carries its sender's address only when
-- the sender chose to disclose it.
--   topic               what the thread is for ('seeker_inquiry': jrec-in 求職者照会メール)
--   organization_id     side a's organization (every query of side a binds it)
--   author_user_id      side a's user who opened the thread; NULL once that account is gone
--   recipient_user_id   side b's user; NULL after that account is deleted (退会): the thread
--                       stays with side a, without any way to reach the person
--   recipient_handle    side b's handle as side a knew it (the ユーザID), kept after deletion
--   lang                the language side b is written to in
--   a_count, b_count    messages sent by each side; the module's rule caps them (one reply)
CREATE TABLE relay_threads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    portal TEXT NOT NULL,
    topic TEXT NOT NULL,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    author_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    recipient_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    recipient_handle TEXT NOT NULL,
    lang TEXT NOT NULL,
    a_count INTEGER NOT NULL DEFAULT 0,
    b_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX relay_threads_organization ON relay_threads (portal, topic, organization_id, created_at);
CREATE INDEX relay_threads_recipient ON relay_threads (recipient_user_id, created_at);

--   side                'a' or 'b': who wrote it
--   disclosed_address   the sender's address, only when the sender ticked the disclosure
--   read_at             when the other side first opened it (NULL: unread)
CREATE TABLE relay_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id INTEGER NOT NULL REFERENCES relay_threads (id) ON DELETE CASCADE,
    side TEXT NOT NULL,
    body TEXT NOT NULL,
    disclosed_address TEXT,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX relay_messages_thread ON relay_messages (thread_id, created_at);
