-- Mail bodies carry login codes, reset keys and temporary passwords: a mail's body is erased
-- when it is sent or given up (outbox::mark_sent, mark_failed). The mails of earlier versions
-- lose theirs here; subject, recipient, Message-ID and state stay.
UPDATE outbox SET body = '' WHERE sent_at IS NOT NULL OR failed_at IS NOT NULL;

-- Rate limits as one atomic step (store/src/limits.rs). One row per limited key (a SHA-256 of
-- portal, limit and who, so no address is stored): taking a use upserts it first, which holds
-- its lock to the end of the transaction, so simultaneous requests of one key count one after
-- the other, on every instance. `expires_at`: when its last use leaves the window.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX rate_limits_expiry ON rate_limits (expires_at);

-- The uses within the window (older ones are deleted as the key is used, or by the job).
CREATE TABLE rate_limit_uses (
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX rate_limit_uses_key ON rate_limit_uses (key, at);
