-- Keys the server makes for itself at first start and every instance on this database shares:
-- `csrf`, the HMAC key that signs the CSRF tokens (docs/SECURITY.md). Made once with
-- `INSERT … ON CONFLICT DO NOTHING`, so two instances starting together end up with one key.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    -- Hex.
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
