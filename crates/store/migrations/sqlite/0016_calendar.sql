-- 営業日カレンダー: the operator's days of a portal's business-day calendar, on top of the
-- national holidays and the preset's closures (docs/CALENDAR.md). One row per portal and day:
-- `closed` makes a day no business day, `open` makes it one, whatever the rules say.
CREATE TABLE calendar_days (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    portal TEXT NOT NULL,
    -- ISO date, YYYY-MM-DD (sorts as a date; the `Any` driver carries no date type).
    day TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('closed', 'open')),
    note TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- `operator:<id>`, as in the audit log.
    created_by TEXT NOT NULL,
    UNIQUE (portal, day)
);
