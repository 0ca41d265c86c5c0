-- Seeker accounts (modules README §0.10, jrec-in §1.8; docs/SEEKERS.md): a job seeker is a
-- user without an organization (`users.role = 'seeker'`, `organization_id` NULL), one portal
-- each, who logs in by e-mail address. The address is unique among a portal's seekers (an
-- employer of the same portal may use the same address for the institution's account).
CREATE UNIQUE INDEX users_seeker_email ON users (portal, email) WHERE role = 'seeker';

-- The seeker's 求職者情報 (jrec-in §1.8.2) and what the account itself needs beyond `users`:
--   furigana, lang        the registration's フリガナ and 言語 (mails go out in it)
--   public                1 = 公開 (institutions may find it), 0 = 非公開 (the default)
--   research_fields       研究分野 codes (小分類), space-separated
--   job_kinds, prefectures 希望職種 and 希望勤務地 codes, space-separated
--   degree                最終学位 (a code of the module's list, '' when not given)
--   position, career, appeal, researchmap  現在の職, 経歴・業績の概要, 自己PR, researchmap URL
--   expiry_noticed_at     when the unused-account notice went out (§1.8.7); a login after it
--                         voids it
CREATE TABLE seeker_profiles (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    portal TEXT NOT NULL,
    furigana TEXT NOT NULL,
    lang TEXT NOT NULL,
    public INTEGER NOT NULL DEFAULT 0,
    research_fields TEXT NOT NULL DEFAULT '',
    job_kinds TEXT NOT NULL DEFAULT '',
    prefectures TEXT NOT NULL DEFAULT '',
    degree TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',
    career TEXT NOT NULL DEFAULT '',
    appeal TEXT NOT NULL DEFAULT '',
    researchmap TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    expiry_noticed_at INTEGER
);
CREATE INDEX seeker_profiles_public ON seeker_profiles (portal, public);
