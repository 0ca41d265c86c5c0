-- Drafts and the review workflow (modules spec §0.1, §0.2; docs/DRAFTS_REVIEW.md), platform
-- blocks that jrec-in postings, hellowork 求人 and mlit plans share. Times are Unix seconds;
-- JSON is stored as text (the `Any` driver carries no JSON type).

-- A draft: the fields of a form as typed, saved without the required-field check (§0.1 rule 1).
-- `kind` names the module's form (e.g. `job_posting`); `item_id` the module's item when the
-- draft revises one (NULL for a new item). `missing_required` and `missing_fields` (a JSON list
-- of field names) are what the module's rules found empty at the save, so that lists show the
-- count without parsing payloads. `version` is the optimistic lock (§0.1 rule 6): each save
-- names the version it was read at and moves it by one.
CREATE TABLE drafts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    author_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    item_id BIGINT,
    payload TEXT NOT NULL,
    missing_required BIGINT NOT NULL DEFAULT 0,
    missing_fields TEXT NOT NULL DEFAULT '[]',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX drafts_by_organization ON drafts (organization_id, kind, updated_at);

-- An item under the review workflow: one row per module item (`kind`, `item_id`), holding its
-- state (under_review, returned, approved, withdrawn), the snapshot under review or returned
-- (`pending_snapshot`), the current approved one with its effective time, and `last_seq`, the
-- number of the last history row: every step moves it in one conditional UPDATE, so two
-- operators acting at once cannot both succeed. `submitted_at` is the start of the current
-- review round (the queue's age and its 120-day window).
CREATE TABLE review_items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('under_review', 'returned', 'approved', 'withdrawn')),
    revision BIGINT NOT NULL DEFAULT 1,
    pending_snapshot TEXT,
    approved_snapshot TEXT,
    approved_revision BIGINT,
    effective_at BIGINT,
    submitted_at BIGINT NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    UNIQUE (portal, kind, item_id)
);
CREATE INDEX review_items_queue ON review_items (portal, state, submitted_at);

-- The history of an item: every submission, resubmission, approval, return, operator edit and
-- withdrawal, numbered per item. `actor_kind` is user or operator. `snapshot` is what the step
-- left current (submissions and edits); `before_snapshot` what an operator edit replaced.
-- `reason` is the return (or withdrawal) reason, `effective_at` the approval's publication time.
CREATE TABLE review_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    review_item_id BIGINT NOT NULL REFERENCES review_items (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('submit', 'resubmit', 'approve', 'return', 'operator_edit', 'withdraw_request')),
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'operator')),
    actor_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    reason TEXT,
    effective_at BIGINT,
    snapshot TEXT,
    before_snapshot TEXT,
    UNIQUE (review_item_id, seq)
);

-- Numbers handed out once per portal and name (jrec-in's データ番号 at a posting's first
-- 一時保存; later hellowork's 求人番号): `last` is the last number given. `serials::next` moves
-- it in one upsert, so two first saves at once never get the same number, and a number is never
-- reused (a deleted draft's is simply skipped).
CREATE TABLE serials (
    portal TEXT NOT NULL,
    name TEXT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (portal, name)
);
