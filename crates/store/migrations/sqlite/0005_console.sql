-- Operator console: accounts the operator disabled (利用停止), and the registered data of an
-- organization that 登録情報確認 shows (jrec-in) and the operator edits.

-- Set while disabled: no login, no session; cleared when the operator re-enables it.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;

ALTER TABLE organizations ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN postal_code TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN updated_at INTEGER;

-- The exit surveys are listed newest first, per portal.
CREATE INDEX withdrawal_surveys_portal ON withdrawal_surveys (portal, created_at);
