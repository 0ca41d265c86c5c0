-- mlit-fwms's bureau review of 建設特定技能受入計画 (modules spec mlit-plan.md §4.4; docs/ACCEPTANCE_PLAN.md).
--
-- 1. The review workflow's `reject` step (不認定, with its reason) and the item state it leaves,
--    `rejected` (modules spec §0.2; docs/DRAFTS_REVIEW.md): the CHECK lists grow by one value.
ALTER TABLE review_items DROP CONSTRAINT review_items_state_check;
ALTER TABLE review_items ADD CONSTRAINT review_items_state_check
    CHECK (state IN ('under_review', 'returned', 'approved', 'withdrawn', 'rejected'));
ALTER TABLE review_events DROP CONSTRAINT review_events_action_check;
ALTER TABLE review_events ADD CONSTRAINT review_events_action_check
    CHECK (action IN ('submit', 'resubmit', 'approve', 'return', 'operator_edit', 'withdraw_request', 'reject'));

-- 2. The office an operator works for (mlit-fwms: the reviewing bureau's code of
--    presets/data/mlit-fwms/bureau_names.csv, e.g. `ktr`). Set with `madoguchi operator add
--    --office` / `madoguchi operator office`; NULL is an operator of the whole portal, who sees no
--    office's queue.
ALTER TABLE operators ADD COLUMN office TEXT;

-- 3. The per-section comments of a 補正依頼: one row per section the office commented on
--    (`p1` … `p5`, `w<key>` for a worker block, `attachments`), numbered by the review event
--    (`seq` of the `return` step in review_events) they went out with.
CREATE TABLE plan_review_comments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES acceptance_plans (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    section TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (plan_id, seq, section)
);
