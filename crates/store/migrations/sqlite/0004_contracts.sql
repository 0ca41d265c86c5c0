-- shaho contracts: お客様番号 (CustomerId), the contract's phone (digits), the seats, one
-- organization, and the ASP user IDs each seat is for. `used_seats` is counted up in the
-- same statement that checks it, so concurrent sign-ups never pass the limit.
CREATE TABLE contracts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    portal TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    phone TEXT NOT NULL,
    seats INTEGER NOT NULL,
    used_seats INTEGER NOT NULL DEFAULT 0,
    organization_id INTEGER NOT NULL UNIQUE REFERENCES organizations (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    UNIQUE (portal, customer_id)
);

CREATE TABLE asp_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id INTEGER NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    asp_user_id TEXT NOT NULL,
    user_id INTEGER UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (contract_id, asp_user_id)
);

-- Sign-ups in progress: the e-mail, its mailed code, and whether the code was entered.
CREATE TABLE signups (
    token_hash TEXT PRIMARY KEY,
    portal TEXT NOT NULL,
    email TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    verified_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX signups_email ON signups (portal, email, created_at);

-- The login before the current one, for the menu's 「前回ログイン」 (last_login_at is the
-- current session's own login by the time the menu shows).
ALTER TABLE users ADD COLUMN previous_login_at INTEGER;
