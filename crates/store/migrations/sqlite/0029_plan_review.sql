-- mlit-fwms's bureau review of 建設特定技能受入計画 (modules spec mlit-plan.md §4.4; docs/ACCEPTANCE_PLAN.md).
--
-- 1. The review workflow's `reject` step (不認定, with its reason) and the item state it leaves,
--    `rejected` (modules spec §0.2; docs/DRAFTS_REVIEW.md). SQLite cannot change a CHECK in
--    place, so both tables are rebuilt. Order matters with foreign keys on (they cannot be
--    turned off inside the migration's transaction): the new tables are made and filled first,
--    the old history is dropped before the old items (so dropping the items cascades into
--    nothing), and the renames carry review_events_new's reference over to the new name.
CREATE TABLE review_items_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    portal TEXT NOT NULL,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('under_review', 'returned', 'approved', 'withdrawn', 'rejected')),
    revision INTEGER NOT NULL DEFAULT 1,
    pending_snapshot TEXT,
    approved_snapshot TEXT,
    approved_revision INTEGER,
    effective_at INTEGER,
    submitted_at INTEGER NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    UNIQUE (portal, kind, item_id)
);
INSERT INTO review_items_new (id, portal, organization_id, kind, item_id, state, revision, pending_snapshot,
                              approved_snapshot, approved_revision, effective_at, submitted_at, last_seq, updated_at)
    SELECT id, portal, organization_id, kind, item_id, state, revision, pending_snapshot, approved_snapshot,
           approved_revision, effective_at, submitted_at, last_seq, updated_at
    FROM review_items;
CREATE TABLE review_events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    review_item_id INTEGER NOT NULL REFERENCES review_items_new (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('submit', 'resubmit', 'approve', 'return', 'operator_edit', 'withdraw_request', 'reject')),
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'operator')),
    actor_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    reason TEXT,
    effective_at INTEGER,
    snapshot TEXT,
    before_snapshot TEXT,
    UNIQUE (review_item_id, seq)
);
INSERT INTO review_events_new (id, review_item_id, seq, action, actor_kind, actor_id, at, revision, reason,
                               effective_at, snapshot, before_snapshot)
    SELECT id, review_item_id, seq, action, actor_kind, actor_id, at, revision, reason, effective_at, snapshot,
           before_snapshot
    FROM review_events;
DROP TABLE review_events;
DROP TABLE review_items;
ALTER TABLE review_items_new RENAME TO review_items;
ALTER TABLE review_events_new RENAME TO review_events;
CREATE INDEX review_items_queue ON review_items (portal, state, submitted_at);

-- 2. The office an operator works for (mlit-fwms: the reviewing bureau's code of
--    presets/data/mlit-fwms/bureau_names.csv, e.g. `ktr`). Set with `madoguchi operator add
--    --office` / `madoguchi operator office`; NULL is an operator of the whole portal, who sees no
--    office's queue.
ALTER TABLE operators ADD COLUMN office TEXT;

-- 3. The per-section comments of a 補正依頼: one row per section the office commented on
--    (`p1` … `p5`, `w<key>` for a worker block, `attachments`), numbered by the review event
--    (`seq` of the `return` step in review_events) they went out with.
CREATE TABLE plan_review_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES acceptance_plans (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    section TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (plan_id, seq, section)
);
