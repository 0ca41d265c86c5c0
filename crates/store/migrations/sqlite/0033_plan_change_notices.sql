-- mlit-fwms's 変更届出 (modules spec mlit-plan.md §4.5 item 2; docs/ACCEPTANCE_PLAN.md): a notice
-- that changes the certified plan at once (no approval). One row per notice: the plan, who filed it
-- and when, the changed fields with their values before and after (JSON list of
-- {"field", "before", "after"}), and the reviewing office's 確認済 (when and by which operator).
CREATE TABLE plan_change_notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES acceptance_plans (id) ON DELETE CASCADE,
    changes TEXT NOT NULL,
    filed_at INTEGER NOT NULL,
    filed_by INTEGER NOT NULL,
    confirmed_at INTEGER,
    confirmed_by INTEGER
);
CREATE INDEX plan_change_notices_plan ON plan_change_notices (plan_id, id);
