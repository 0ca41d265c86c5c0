-- rokin: a contract's 契約番号 is contracts.customer_id and its one seat is the master user.
-- The 初期パスワード is kept only as an argon2id hash; 初期登録ログイン counts failures like a
-- login (6 ⇒ 60 min, the 3rd lock ⇒ 閉塞) on the contract itself. A successful 初期登録ログイン
-- leaves a registration token (its hash here, the token in the browser's cookie) that the
-- マスターユーザー初期登録 form needs.
ALTER TABLE contracts ADD COLUMN initial_password_hash TEXT;
ALTER TABLE contracts ADD COLUMN failed_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contracts ADD COLUMN locked_until BIGINT;
ALTER TABLE contracts ADD COLUMN lock_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contracts ADD COLUMN blocked_at BIGINT;
ALTER TABLE contracts ADD COLUMN registration_token_hash TEXT;
ALTER TABLE contracts ADD COLUMN registration_until BIGINT;

-- Client certificates the portal's CA issued. A row outlives its user (user_id set to NULL)
-- so that a revoked certificate stays on the CRL until it expires. The .p12 is kept, already
-- encrypted with the user's login password, only for the download window after 発行.
CREATE TABLE certificates (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    login_id TEXT NOT NULL,
    serial TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_reason TEXT,
    renewal_mailed_at BIGINT,
    expiry_mailed_at BIGINT,
    p12 BYTEA,
    file_name TEXT NOT NULL,
    download_token_hash TEXT,
    download_until BIGINT
);
CREATE INDEX certificates_user ON certificates (user_id, not_after);
CREATE INDEX certificates_portal ON certificates (portal, revoked_at);
