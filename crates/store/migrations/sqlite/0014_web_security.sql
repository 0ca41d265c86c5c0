-- Security findings in the screens (issue 12).
--
-- Sessions remember the browser (user agent) and address they were made from, for the
-- ログイン中のブラウザ list, and the serial of the client certificate a certificate login was
-- made with: such a session works only while that certificate is presented, and ends when the
-- certificate is revoked.
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN certificate_serial TEXT;
CREATE INDEX sessions_certificate ON sessions (certificate_serial);

-- shaho: contract-match failures of 詳細の追加, counted per sign-up (it ends after a few) and
-- per contract (the operator is alerted, and sees the count until marked as checked); the
-- hash of the 管理者登録コード that the first account of a contract must give.
ALTER TABLE signups ADD COLUMN match_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contracts ADD COLUMN match_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contracts ADD COLUMN match_failed_at INTEGER;
ALTER TABLE contracts ADD COLUMN admin_code_hash TEXT;
ALTER TABLE contracts ADD COLUMN admin_code_issued_at INTEGER;

-- rokin: a general user's registration between 確認 and 登録, kept on the server so that the
-- 仮パスワード never goes back into a page (only its argon2id hash is kept, for 30 minutes).
CREATE TABLE pending_members (
    token_hash TEXT PRIMARY KEY,
    portal TEXT NOT NULL,
    master_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    login_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX pending_members_master ON pending_members (master_id);
