-- rokin 財形貯蓄事務 (module zaikei, docs/ZAIKEI.md): what the bank delivers per contract —
-- 預入依頼書, 加入者残高一覧表, 奨励金 and アラーム明細 — and the members and 財形契約 those
-- deliveries name. Every row table hangs off a delivery of one contract, so that every query
-- binds the contract through `zaikei_deliveries.contract_id` and deleting a delivery (the daily
-- job keeps the 3 most recent per kind) takes its rows with it. Amounts are integer yen; dates
-- ISO `YYYY-MM-DD` (sorts as a date; the `Any` driver carries no date type); times Unix seconds.

-- The 明細変更機能 option of a contract (the operator turns it on), and the per-user 明細変更
-- right the master grants a general user. Both 0/1.
ALTER TABLE contracts ADD COLUMN zaikei_change BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN zaikei_change_right BIGINT NOT NULL DEFAULT 0;

-- 加入者: a worker of the contract's employer, by 社員番号. `search_key` is 氏名 and フリガナ
-- folded (NFKC, lower case, hiragana as katakana, no spaces) for the 氏名 filter.
CREATE TABLE zaikei_members (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    employee_no TEXT NOT NULL,
    name TEXT NOT NULL,
    kana TEXT NOT NULL,
    birth_date TEXT,
    dept_code TEXT NOT NULL,
    dept_name TEXT NOT NULL,
    search_key TEXT NOT NULL,
    UNIQUE (contract_id, employee_no)
);

-- 財形契約: one per member and 財形種類 (general 一般, pension 年金, housing 住宅).
-- state: active 積立中, paused 中止中, paid_out 払出済, closed 解約.
CREATE TABLE zaikei_accounts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES zaikei_members (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('general', 'pension', 'housing')),
    account_no TEXT NOT NULL,
    contracted_on TEXT,
    tax_free_limit BIGINT,
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'paid_out', 'closed')),
    UNIQUE (member_id, kind)
);

-- One file the bank delivered. kind: deposit 預入依頼書, balance 加入者残高一覧表, incentive
-- 奨励金, alarm アラーム明細. cycle: monthly 月例 / bonus 一時金 for deposit and incentive, '' else.
-- due_on: 入金予定日 (deposit, incentive), 基準日 (balance), 受信日 (alarm).
-- state (deposit): received 受信済, changing 変更中, sent 送信済, closed 締切, processed 労金処理済.
CREATE TABLE zaikei_deliveries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('deposit', 'balance', 'incentive', 'alarm')),
    cycle TEXT NOT NULL DEFAULT '',
    due_on TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'received'
        CHECK (state IN ('received', 'changing', 'sent', 'closed', 'processed')),
    -- `operator:<id>` or `cli`, as in the audit log.
    imported_by TEXT NOT NULL,
    UNIQUE (contract_id, kind, cycle, due_on)
);
CREATE INDEX zaikei_deliveries_recent ON zaikei_deliveries (contract_id, kind, due_on);

-- 預入依頼書 明細. change_kind: continue 継続, amount 金額変更, stop 中止, new 新規.
CREATE TABLE zaikei_deposit_rows (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES zaikei_deliveries (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES zaikei_accounts (id) ON DELETE CASCADE,
    line_no BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    change_kind TEXT NOT NULL CHECK (change_kind IN ('continue', 'amount', 'stop', 'new')),
    previous_amount BIGINT NOT NULL,
    incentive_amount BIGINT NOT NULL,
    UNIQUE (delivery_id, account_id)
);

-- 加入者残高一覧表 明細 (元金残高, 利息, 残高合計; 非課税限度額 and its rest for 年金/住宅).
CREATE TABLE zaikei_balance_rows (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES zaikei_deliveries (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES zaikei_accounts (id) ON DELETE CASCADE,
    line_no BIGINT NOT NULL,
    principal BIGINT NOT NULL,
    interest BIGINT NOT NULL,
    total BIGINT NOT NULL,
    tax_free_limit BIGINT,
    limit_rest BIGINT,
    UNIQUE (delivery_id, account_id)
);

-- 奨励金明細: the employer's incentive per member and 財形種類, with its running total.
CREATE TABLE zaikei_incentive_rows (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES zaikei_deliveries (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES zaikei_accounts (id) ON DELETE CASCADE,
    line_no BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    cumulative BIGINT NOT NULL,
    UNIQUE (delivery_id, account_id)
);

-- アラーム明細, with the employer's 対応状況 (handled 0 未対応 / 1 対応済, a note, who and when).
CREATE TABLE zaikei_alarms (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES zaikei_deliveries (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES zaikei_accounts (id) ON DELETE CASCADE,
    line_no BIGINT NOT NULL,
    alarm_kind TEXT NOT NULL,
    content TEXT NOT NULL,
    due_on TEXT NOT NULL,
    required_action TEXT NOT NULL,
    handled BIGINT NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    -- `user:<id>` of who marked it 対応済.
    handled_by TEXT,
    handled_at BIGINT
);

-- The 照会 filters run within one delivery: rows by delivery (then joined to members through
-- the accounts), members by contract and 所属 / 社員番号.
CREATE INDEX zaikei_accounts_member ON zaikei_accounts (member_id);
CREATE INDEX zaikei_members_dept ON zaikei_members (contract_id, dept_code, employee_no);
CREATE INDEX zaikei_alarms_delivery ON zaikei_alarms (delivery_id, handled, due_on);
