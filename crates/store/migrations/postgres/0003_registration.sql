-- Self-service registration and withdrawal: mlit-fwms's provisional applications (仮申請), each with a
-- temporary password valid for the portal's hours.

CREATE TABLE provisional_registrations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    login_id TEXT NOT NULL,
    email TEXT NOT NULL,
    temp_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (portal, login_id)
);

-- Withdrawal (退会): the account is kept, unusable, for the portal's return window, then purged.
ALTER TABLE users ADD COLUMN withdrawn_at BIGINT;

-- Exit surveys (退会アンケート), kept without any link to the account.
CREATE TABLE withdrawal_surveys (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    reasons TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
