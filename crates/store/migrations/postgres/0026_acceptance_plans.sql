-- mlit-fwms's 建設特定技能受入計画 (module `acceptance_plan`, modules spec mlit-plan.md §4.2–§4.4):
-- one row per organization's plan, made at 「新規申請」. The plan as typed lives in `drafts` (kind
-- `acceptance_plan`, item_id = this id) and what was applied for in `review_items` (same kind and
-- item_id); this row holds what the review needs beside them: the reviewing office (`bureau`, the
-- code of presets/data/mlit-fwms/bureau_names.csv, set at 申請 from the 主たる営業所's prefecture,
-- so the office's queue filters on it), the JST application date (`applied_on`, YYYY-MM-DD, the
-- date the rules were checked against), and the 認定番号 and 認定日 the office gives.
CREATE TABLE acceptance_plans (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    bureau TEXT,
    applied_on TEXT,
    approval_number TEXT,
    certified_on TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (portal, organization_id)
);
CREATE INDEX acceptance_plans_by_bureau ON acceptance_plans (portal, bureau);
-- The plan's attachments (§4.3): each file (the `files` table, purpose `plan_attachment`) with
-- its kind (the key of presets/data/mlit-fwms/attachments.toml), the worker block it belongs to
-- (the Part 6 block's key; NULL for the organization's documents) and the issue date typed with
-- it (YYYY-MM-DD, for the kinds with an age rule).
CREATE TABLE plan_attachments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES acceptance_plans (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    worker BIGINT,
    file_id BIGINT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    issued_on TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX plan_attachments_by_plan ON plan_attachments (plan_id, kind, worker);
