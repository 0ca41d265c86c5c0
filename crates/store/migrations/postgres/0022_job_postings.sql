-- jrec-in's 求人公募情報 (module `job_postings`, modules spec jrec-in §1.2–§1.3): one row per
-- posting, made at its first 一時保存 with its データ番号 (`data_number`, the portal's serial, never
-- reused). The form as typed lives in `drafts` (kind `job_posting`, item_id = this id) and its
-- review in `review_items` (item_id = this id); this row holds what the public sees: the
-- approved snapshot (JSON text, NULL until approved) and the times that make it visible
-- (`publish_at` ≤ now < `unpublish_at`, Unix seconds, computed by madoguchi_core::publication),
-- and the 募集終了日 (`end_date`, YYYY-MM-DD) of that snapshot. `language` is `ja` or `en`,
-- fixed at creation (§1.3 rule 1).
CREATE TABLE job_postings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    data_number BIGINT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('ja', 'en')),
    public_snapshot TEXT,
    publish_at BIGINT,
    unpublish_at BIGINT,
    end_date TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (portal, data_number)
);
CREATE INDEX job_postings_by_organization ON job_postings (organization_id, updated_at);
