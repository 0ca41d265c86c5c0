-- shaho contracts: お客様番号 (CustomerId), the contract's phone (digits), the seats, one
-- organization, and the ASP user IDs each seat is for. `used_seats` is counted up in the
-- same statement that checks it, so concurrent sign-ups never pass the limit.
CREATE TABLE contracts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    phone TEXT NOT NULL,
    seats BIGINT NOT NULL,
    used_seats BIGINT NOT NULL DEFAULT 0,
    organization_id BIGINT NOT NULL UNIQUE REFERENCES organizations (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    UNIQUE (portal, customer_id)
);

CREATE TABLE asp_users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    asp_user_id TEXT NOT NULL,
    user_id BIGINT UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (contract_id, asp_user_id)
);

-- Sign-ups in progress: the e-mail, its mailed code, and whether the code was entered.
CREATE TABLE signups (
    token_hash TEXT PRIMARY KEY,
    portal TEXT NOT NULL,
    email TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    verified_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX signups_email ON signups (portal, email, created_at);

-- The login before the current one, for the menu's 「前回ログイン」 (last_login_at is the
-- current session's own login by the time the menu shows).
ALTER TABLE users ADD COLUMN previous_login_at BIGINT;
