-- mlit-fwms's procedures after 認定 (modules spec mlit-plan.md §4.5 items 3 and 4;
-- docs/ACCEPTANCE_PLAN.md): one row per worker of a certified plan once anything was reported
-- for them (no row: 受入前 with no 在留資格許可日 yet). `worker` is the Part 6 block's stable key
-- in the certified version. `state`: arriving (受入前), working (従事中, after the 受入報告書),
-- left (退職, after the 退職報告書). `granted_on` is the 特定技能 grant date the company typed and
-- `due_on` the 受入報告's deadline (granted_on + 1 calendar month, JST dates, YYYY-MM-DD); the
-- reports are kept as typed (JSON of field → values) with when and by whom they were filed; the
-- reminder job claims `due_soon_mailed_at` and `overdue_mailed_at` so each mail goes once.
CREATE TABLE plan_workers (
    plan_id INTEGER NOT NULL REFERENCES acceptance_plans (id) ON DELETE CASCADE,
    worker INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('arriving', 'working', 'left')),
    granted_on TEXT,
    due_on TEXT,
    arrival TEXT,
    arrived_at INTEGER,
    arrived_by INTEGER,
    departure TEXT,
    left_on TEXT,
    departed_at INTEGER,
    departed_by INTEGER,
    due_soon_mailed_at INTEGER,
    overdue_mailed_at INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (plan_id, worker)
);
CREATE INDEX plan_workers_due ON plan_workers (state, due_on);
