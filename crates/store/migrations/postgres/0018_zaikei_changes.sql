-- rokin 財形積立明細変更 (module zaikei, docs/ZAIKEI.md "Changes and sending"): the employer's
-- change sets of a 預入依頼書 delivery. A set is one version: at most one `draft` (未送信) per
-- delivery, saved by 一時保存; 送信 turns it `sent` with a receipt number, and the next edit
-- starts version + 1 from a copy of it, so a resend supersedes and the operator's export takes
-- the latest sent version. 「労金処理済」 stamps the set the operator applied to the 明細.
CREATE TABLE zaikei_change_sets (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES zaikei_deliveries (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'sent')),
    -- Bumped by every save: a form carries the revision it was drawn from (optimistic lock).
    revision BIGINT NOT NULL DEFAULT 0,
    -- `user:<id>` as in the audit log.
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_by TEXT,
    sent_at BIGINT,
    receipt_no TEXT,
    processed_at BIGINT,
    UNIQUE (delivery_id, version)
);

-- One change of a set. change_kind: amount 金額変更, stop 中止 (a 明細 of the delivery), new
-- 新規 (a member + 財形種類 not in the delivery, typed in full). `amount_text` is what was typed:
-- a draft keeps what fails the rules, shown back with the errors; `amount` is the yen once valid.
CREATE TABLE zaikei_change_rows (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    set_id BIGINT NOT NULL REFERENCES zaikei_change_sets (id) ON DELETE CASCADE,
    deposit_row_id BIGINT REFERENCES zaikei_deposit_rows (id) ON DELETE CASCADE,
    change_kind TEXT NOT NULL CHECK (change_kind IN ('amount', 'stop', 'new')),
    amount_text TEXT NOT NULL,
    amount BIGINT,
    -- The 明細's 積立額 when the change was made (変更前), NULL for 新規.
    before_amount BIGINT,
    employee_no TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    kana TEXT NOT NULL DEFAULT '',
    birth_date TEXT NOT NULL DEFAULT '',
    savings_kind TEXT NOT NULL DEFAULT '',
    changed_by TEXT NOT NULL,
    changed_at BIGINT NOT NULL
);
CREATE INDEX zaikei_change_rows_set ON zaikei_change_rows (set_id);

-- The deadline reminder (2 business days before 変更期限) goes once per サイクル.
ALTER TABLE zaikei_deliveries ADD COLUMN reminded_at BIGINT;
