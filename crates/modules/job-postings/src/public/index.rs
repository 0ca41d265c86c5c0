//! The postings in the public search (spec modules §0.3, §0.5; jrec-in §1.5, §1.7): the
//! index's [`layout`], a published posting as a search [`Doc`], the [`PostingLoader`] the
//! follower re-reads postings through, and [`reindex`], the one call every change of what the
//! public may see must make in its own transaction.
//!
//! A posting is in the index from its approval on, whatever its times: `publish_at` and
//! `unpublish_at` travel with the document and each query's `now` decides (22:00 exact on
//! every instance, with no job). Its `unpublish_at` is the earlier of the withdrawal time and
//! 365 days after the 募集終了日 (spec §1.3 rule 10: an ended posting stays public that long).

use crate::fields::{APPLY_METHODS, CONSIDERATIONS};
use crate::taxonomy::Taxonomy;
use chrono::NaiveDate;
use madoguchi_core::publication;
use madoguchi_search::{Doc, Key, Layout, Loader, SearchError};
use madoguchi_store::{Store, search_changes};
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// Days an ended posting stays public (spec §1.3 rule 10, Choice).
pub const ENDED_PUBLIC_DAYS: i64 = 365;

/// Facets of the index (their codes are the §1.5 codes read as numbers, or the places of the
/// module's own lists): 機関種別, 研究分野 大分類 and 小分類, 職種, 雇用形態, 勤務地 area and
/// prefecture, 任期 (0 任期あり, 1 任期なし, 2 テニュアトラック以外, 3 テニュアトラック),
/// 応募上の配慮, 電子応募, language (0 ja, 1 en).
pub const FACETS: [&str; 11] = [
    "org_kind",
    "major",
    "minor",
    "job_kind",
    "employment",
    "area",
    "prefecture",
    "tenure",
    "consideration",
    "e_apply",
    "language",
];

/// Sort and range keys: `updated` (the public version's publication time, 新着順 and 新着;
/// [`updated_key`]),
/// `deadline` (the last second of the 募集終了日), `org` (機関名 order), `salary` (年収（下限）
/// in yen, -1 when not given).
pub const KEYS: [&str; 4] = ["updated", "deadline", "org", "salary"];

pub fn layout() -> Layout {
    Layout {
        facets: FACETS.iter().map(|f| f.to_string()).collect(),
        keys: KEYS.iter().map(|k| k.to_string()).collect(),
    }
}

/// Bits of the `updated` key below the publication second: the posting id's low bits, so
/// that postings published at the same second (every approval of a day at 22:00) are ordered
/// newest posting first, the same way on every page, feed and instance.
pub const UPDATED_TIE_BITS: u32 = 20;

/// The `updated` key of a posting published at `publish_at`.
pub fn updated_key(publish_at: i64, id: i64) -> i64 {
    (publish_at << UPDATED_TIE_BITS) | (id & ((1 << UPDATED_TIE_BITS) - 1))
}

/// The index scope of a portal's postings.
pub fn scope(portal: &str) -> String {
    format!("job_postings:{portal}")
}

fn portal_of(scope: &str) -> Option<&str> {
    scope.strip_prefix("job_postings:")
}

/// Notes that what the public may see of posting `posting_id` changed: approval (with its 反映
/// time), a revision's approval, a withdrawal, an operator's correction of the public version.
/// Call it in the transaction of the change itself, so the note commits with it or not at all;
/// every instance's follower then re-reads the posting within a poll (250 ms).
///
/// Both documents of the posting are noted: its public version and the approved revision
/// waiting for its 反映 time (`next_*`, see [`Versions`]), so a revision approved, replaced or
/// dropped is re-read with the version it follows.
pub async fn reindex(conn: &mut AnyConnection, portal: &str, posting_id: i64, now: i64) -> Result<i64, sqlx::Error> {
    search_changes::record(conn, &scope(portal), &posting_id.to_string(), now).await?;
    search_changes::record(conn, &scope(portal), &format!("{posting_id}{NEXT}"), now).await
}

/// The suffix of the document id of a posting's revision waiting for its time.
pub const NEXT: &str = ".next";

/// The posting a document id (`42` or `42.next`) stands for.
pub fn posting_id(doc_id: &str) -> Option<i64> {
    doc_id.strip_suffix(NEXT).unwrap_or(doc_id).parse().ok()
}

/// What the index needs of one posting row, in one of its versions.
#[derive(Clone)]
pub struct Published {
    pub portal: String,
    pub id: i64,
    /// データ番号 as shown (`D` + 9 digits).
    pub data_number: String,
    pub language: String,
    pub snapshot: serde_json::Value,
    pub publish_at: i64,
    /// 更新日: when this version became public (a revision's 反映 time), else `publish_at`.
    pub updated_at: i64,
    pub unpublish_at: Option<i64>,
    pub organization_id: i64,
    pub organization_name: String,
    pub organization_kind: String,
}

/// The sort key of a name: its first three folded characters, 21 bits each, so that 機関名順
/// orders by them (Unicode order; the index's own order breaks ties). Choice: a reading
/// (よみがな) of every name is not in the registered data.
pub fn name_rank(name: &str) -> i64 {
    let folded = madoguchi_search::text::fold(name);
    let mut rank: i64 = 0;
    let mut chars = folded.chars().filter(|c| !c.is_whitespace());
    for _ in 0..3 {
        rank = (rank << 21) | chars.next().map(|c| i64::from(u32::from(c))).unwrap_or(0);
    }
    rank
}

fn texts(snapshot: &serde_json::Value, name: &str) -> Vec<String> {
    match snapshot.get(name) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => vec![s.clone()],
        Some(serde_json::Value::Array(items)) => {
            items.iter().filter_map(|v| v.as_str()).filter(|s| !s.is_empty()).map(str::to_string).collect()
        }
        _ => Vec::new(),
    }
}

pub(crate) fn one(snapshot: &serde_json::Value, name: &str) -> String {
    texts(snapshot, name).into_iter().next().unwrap_or_default()
}

/// A five-digit (or two-digit) code as its number.
fn codes(values: Vec<String>) -> Vec<u64> {
    values.iter().filter_map(|v| v.parse().ok()).collect()
}

fn places(values: Vec<String>, list: &[&str]) -> Vec<u64> {
    values.iter().filter_map(|v| list.iter().position(|c| c == v)).map(|p| p as u64).collect()
}

/// The 募集終了日 of a public snapshot.
pub fn end_date(snapshot: &serde_json::Value) -> Option<NaiveDate> {
    crate::fields::date(&one(snapshot, "end_date"))
}

/// When the public version stops being public: the withdrawal, or 365 days after its end.
pub fn public_until(snapshot: &serde_json::Value, unpublish_at: Option<i64>) -> Option<i64> {
    let ended_out =
        end_date(snapshot).and_then(|d| publication::ended_at(d).ok()).map(|ended| ended + ENDED_PUBLIC_DAYS * 86_400);
    match (unpublish_at, ended_out) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The search document of a published posting.
pub fn doc(p: &Published, taxonomy: &Taxonomy) -> Doc {
    let s = &p.snapshot;
    let mut all_texts = vec![one(s, "title"), p.organization_name.clone(), one(s, "department"), one(s, "duties")];
    for name in ["field_keywords", "job_title", "degree_note", "experience", "other_qualifications"] {
        all_texts.extend(texts(s, name));
    }
    all_texts.retain(|t| !t.is_empty());
    let mut facets: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut put = |name: &str, values: Vec<u64>| {
        facets.insert(name.to_string(), values);
    };
    if let Some(kind) = madoguchi_core::organization::KINDS.iter().position(|k| *k == p.organization_kind) {
        put("org_kind", vec![kind as u64]);
    }
    let majors = texts(s, "major");
    let mut minors = texts(s, "minor");
    // 小分類 left empty means every 小分類 of the 大分類 (§1.4): the 大分類's own code.
    if minors.is_empty() {
        minors = majors.iter().filter_map(|m| taxonomy.whole_major_code(m)).map(str::to_string).collect();
    }
    put("major", codes(majors));
    put("minor", codes(minors));
    put("job_kind", codes(texts(s, "job_kind")));
    put("employment", codes(texts(s, "employment")));
    let overseas = one(s, "location") == "overseas";
    let prefecture = if overseas { crate::taxonomy::PREFECTURE_OTHER.to_string() } else { one(s, "prefecture") };
    put("area", taxonomy.area_of(&prefecture).map(|a| codes(vec![a.to_string()])).unwrap_or_default());
    put("prefecture", codes(vec![prefecture]));
    let tenure = match (one(s, "tenure").as_str(), one(s, "tenure_track").as_str()) {
        ("fixed", "track") => vec![0, 3],
        ("fixed", _) => vec![0, 2],
        ("none", _) => vec![1],
        _ => vec![],
    };
    put("tenure", tenure);
    put("consideration", places(texts(s, "consideration"), CONSIDERATIONS));
    // 電子応募 is the first three 応募方法 (郵送 is not electronic).
    put("e_apply", places(texts(s, "apply_method"), &APPLY_METHODS[..3]));
    put("language", vec![u64::from(p.language == "en")]);
    let deadline = end_date(s).and_then(|d| publication::ended_at(d).ok()).map(|t| t - 1).unwrap_or(i64::MAX);
    let salary = one(s, "annual_salary_min").parse::<i64>().unwrap_or(-1);
    let keys = BTreeMap::from([
        ("updated".to_string(), updated_key(p.updated_at, p.id)),
        ("deadline".to_string(), deadline),
        ("org".to_string(), name_rank(&p.organization_name)),
        ("salary".to_string(), salary),
    ]);
    Doc {
        scope: scope(&p.portal),
        id: p.id.to_string(),
        texts: all_texts,
        facets,
        keys,
        publish_at: p.publish_at,
        unpublish_at: public_until(s, p.unpublish_at),
    }
}

const SELECT: &str =
    "SELECT p.portal, p.id, p.data_number, p.language, p.public_snapshot, p.publish_at, p.unpublish_at,
        p.public_since, p.next_snapshot, p.next_at, p.organization_id, o.name AS organization_name, o.kind AS organization_kind
    FROM job_postings p JOIN organizations o ON o.id = p.organization_id";

fn published(r: &sqlx::any::AnyRow) -> Result<Option<Published>, sqlx::Error> {
    let snapshot: Option<String> = r.try_get("public_snapshot")?;
    let publish_at: Option<i64> = r.try_get("publish_at")?;
    let (Some(snapshot), Some(publish_at)) = (snapshot, publish_at) else {
        return Ok(None);
    };
    let Ok(snapshot) = serde_json::from_str::<serde_json::Value>(&snapshot) else {
        return Ok(None);
    };
    Ok(Some(Published {
        portal: r.try_get("portal")?,
        id: r.try_get("id")?,
        data_number: u32::try_from(r.try_get::<i64, _>("data_number")?)
            .ok()
            .and_then(crate::data_number::DataNumber::from_serial)
            .map(|n| n.to_string())
            .unwrap_or_default(),
        language: r.try_get("language")?,
        snapshot,
        publish_at,
        updated_at: r.try_get::<Option<i64>, _>("public_since")?.unwrap_or(publish_at),
        unpublish_at: r.try_get("unpublish_at")?,
        organization_id: r.try_get("organization_id")?,
        organization_name: r.try_get("organization_name")?,
        organization_kind: r.try_get("organization_kind")?,
    }))
}

/// A posting row's public version and, when an approved revision waits for its 反映 time
/// (`next_snapshot`, `next_at`: the review's `publish::Public`), that revision. No request
/// marks the second the revision takes over, so the index holds both as documents with
/// adjoining windows — the public version until `next_at`, the revision (id `<id>.next`)
/// from then — and each query's `now` picks the one in force, exactly as for 22:00.
pub struct Versions {
    pub current: Published,
    pub next: Option<(serde_json::Value, i64)>,
}

impl Versions {
    /// The version public at `now`.
    pub fn at(self, now: i64) -> Published {
        match self.next {
            Some((snapshot, at)) if at <= now => Published { snapshot, updated_at: at, ..self.current },
            _ => self.current,
        }
    }

    /// The revision as a posting version of its own, if one waits.
    fn revision(&self) -> Option<Published> {
        let (snapshot, at) = self.next.as_ref()?;
        Some(Published { snapshot: snapshot.clone(), updated_at: *at, ..self.current.clone() })
    }

    /// The public version's document: it gives way at the revision's time.
    pub fn current_doc(&self, taxonomy: &Taxonomy) -> Doc {
        let mut d = doc(&self.current, taxonomy);
        if let Some((_, at)) = &self.next {
            d.unpublish_at = Some(d.unpublish_at.map_or(*at, |until| until.min(*at)));
        }
        d
    }

    /// The waiting revision's document, visible from its time until the posting's end.
    pub fn next_doc(&self, taxonomy: &Taxonomy) -> Option<Doc> {
        let revision = self.revision()?;
        let mut d = doc(&revision, taxonomy);
        d.id = format!("{}{NEXT}", revision.id);
        d.publish_at = d.publish_at.max(revision.updated_at);
        Some(d)
    }
}

fn versions(r: &sqlx::any::AnyRow) -> Result<Option<Versions>, sqlx::Error> {
    let Some(current) = published(r)? else {
        return Ok(None);
    };
    let next_snapshot: Option<String> = r.try_get("next_snapshot")?;
    let next_at: Option<i64> = r.try_get("next_at")?;
    let next = match (next_snapshot, next_at) {
        (Some(s), Some(at)) => serde_json::from_str::<serde_json::Value>(&s).ok().map(|v| (v, at)),
        _ => None,
    };
    Ok(Some(Versions { current, next }))
}

async fn find_versions(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<Option<Versions>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE p.portal = $1 AND p.id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(id).fetch_optional(conn).await?;
    Ok(match row {
        Some(r) => versions(&r)?,
        None => None,
    })
}

/// A published posting of `portal` by id, in the version public at `now`, whether or not it
/// is visible now (the caller asks `publication::is_visible`). None: unknown, another
/// portal's, never approved.
pub async fn find_published(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
    now: i64,
) -> Result<Option<Published>, sqlx::Error> {
    Ok(find_versions(conn, portal, id).await?.map(|v| v.at(now)))
}

/// Every posting of `organization` that was ever published, each in the version public at
/// `now`, newest データ番号 first (Web応募's 応募状況確認, through `crate::applying`).
pub async fn find_of_organization(
    conn: &mut AnyConnection,
    portal: &str,
    organization: i64,
    now: i64,
) -> Result<Vec<Published>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE p.portal = $1 AND p.organization_id = $2 ORDER BY p.data_number DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).bind(organization).fetch_all(conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some(v) = versions(r)? {
            out.push(v.at(now));
        }
    }
    Ok(out)
}

/// Published postings of `portal` by ids (the rows of a result page) in the version public at
/// `now`, in no order.
pub async fn find_many(
    conn: &mut AnyConnection,
    portal: &str,
    ids: &[i64],
    now: i64,
) -> Result<Vec<Published>, sqlx::Error> {
    let mut out = Vec::with_capacity(ids.len());
    // One statement per page of at most 100 ids; `Any` has no array binds.
    if ids.is_empty() {
        return Ok(out);
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!("{SELECT} WHERE p.portal = $1 AND p.id IN ({})", list.join(","));
    for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(portal).fetch_all(conn).await? {
        if let Some(v) = versions(&r)? {
            out.push(v.at(now));
        }
    }
    Ok(out)
}

/// The follower's view of the postings.
pub struct PostingLoader {
    pub store: Store,
}

fn load_error(e: impl std::fmt::Display) -> SearchError {
    SearchError::Load(e.to_string())
}

impl Loader for PostingLoader {
    async fn load(&self, keys: &[Key]) -> Result<Vec<Option<Doc>>, SearchError> {
        let taxonomy = crate::taxonomy::taxonomy().map_err(load_error)?;
        let mut conn = self.store.acquire().await?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let found = match (portal_of(&key.scope), posting_id(&key.id)) {
                (Some(portal), Some(id)) => find_versions(&mut conn, portal, id).await?,
                _ => None,
            };
            out.push(found.and_then(|v| {
                if key.id.ends_with(NEXT) { v.next_doc(taxonomy) } else { Some(v.current_doc(taxonomy)) }
            }));
        }
        Ok(out)
    }

    async fn scan(&self, after: Option<Key>, limit: usize) -> Result<Vec<Doc>, SearchError> {
        let taxonomy = crate::taxonomy::taxonomy().map_err(load_error)?;
        let (portal, id) = match &after {
            Some(key) => (
                portal_of(&key.scope).unwrap_or_default().to_string(),
                posting_id(&key.id).ok_or_else(|| load_error(format!("not a posting document: {}", key.id)))?,
            ),
            None => (String::new(), 0),
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut conn = self.store.acquire().await?;
        // In (portal, id) order; `after` is the last document of the previous page. Rows
        // without a public version are skipped but still move the cursor.
        let mut cursor = (portal, id);
        let mut docs = Vec::new();
        loop {
            let sql = format!(
                "{SELECT} WHERE (p.portal > $1 OR (p.portal = $1 AND p.id > $2))
                 ORDER BY p.portal, p.id LIMIT $3"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&cursor.0)
                .bind(cursor.1)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
            let Some(last) = rows.last() else { break };
            cursor = (last.try_get("portal")?, last.try_get("id")?);
            let full = rows.len() as i64 == limit;
            for r in &rows {
                if let Some(v) = versions(r)? {
                    docs.push(v.current_doc(taxonomy));
                    docs.extend(v.next_doc(taxonomy));
                }
            }
            if !docs.is_empty() || !full {
                break;
            }
        }
        Ok(docs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use madoguchi_core::clock::JST;

    fn at(y: i32, mo: u32, d: u32, h: u32) -> i64 {
        JST.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap().timestamp()
    }

    fn published(snapshot: serde_json::Value, unpublish_at: Option<i64>) -> Published {
        Published {
            portal: "jrec-in".into(),
            id: 7,
            data_number: "D000000007".into(),
            language: "en".into(),
            snapshot,
            publish_at: at(2026, 11, 24, 22),
            updated_at: at(2026, 11, 24, 22),
            unpublish_at,
            organization_id: 1,
            organization_name: "国立窓口大学".into(),
            organization_kind: "university".into(),
        }
    }

    #[test]
    fn a_posting_becomes_its_document() {
        let taxonomy = crate::taxonomy::taxonomy().unwrap();
        let snapshot = serde_json::json!({
            "title": "准教授の公募", "department": "情報学研究科", "duties": "研究と教育",
            "end_date": "2026-12-10", "major": ["00289", "00189"], "minor": [], "job_kind": ["00022"],
            "employment": "01", "location": "domestic", "prefecture": "00013", "tenure": "fixed",
            "tenure_track": "track", "consideration": ["disability"], "apply_method": ["email", "post"],
            "annual_salary_min": "8000000", "experience": "", "other_qualifications": "博士",
        });
        let doc = doc(&published(snapshot.clone(), None), taxonomy);
        assert_eq!((doc.scope.as_str(), doc.id.as_str()), ("job_postings:jrec-in", "7"));
        assert_eq!(doc.texts, vec!["准教授の公募", "国立窓口大学", "情報学研究科", "研究と教育", "博士"]);
        assert_eq!(doc.facets["org_kind"], vec![0]);
        assert_eq!(doc.facets["major"], vec![289, 189]);
        assert_eq!(doc.facets["minor"], vec![99902, 99901], "小分類すべて of each 大分類");
        assert_eq!(doc.facets["area"], vec![3]);
        assert_eq!(doc.facets["prefecture"], vec![13]);
        assert_eq!(doc.facets["tenure"], vec![0, 3]);
        assert_eq!(doc.facets["consideration"], vec![1]);
        assert_eq!(doc.facets["e_apply"], vec![1], "郵送 is not electronic");
        assert_eq!(doc.facets["language"], vec![1]);
        assert_eq!(doc.keys["salary"], 8_000_000);
        assert_eq!(doc.keys["deadline"], at(2026, 12, 11, 0) - 1);
        assert_eq!(doc.keys["updated"] >> UPDATED_TIE_BITS, at(2026, 11, 24, 22));
        // Public until 365 days after the end, or the earlier withdrawal.
        assert_eq!(doc.unpublish_at, Some(at(2026, 12, 11, 0) + 365 * 86_400));
        let withdrawn = super::doc(&published(snapshot, Some(at(2026, 11, 30, 22))), taxonomy);
        assert_eq!(withdrawn.unpublish_at, Some(at(2026, 11, 30, 22)));
    }

    #[test]
    fn a_waiting_revision_takes_over_its_document_at_its_time() {
        let taxonomy = crate::taxonomy::taxonomy().unwrap();
        let old = serde_json::json!({"title": "旧題", "end_date": "2027-01-31"});
        let new = serde_json::json!({"title": "新題", "end_date": "2027-01-31"});
        let at_next = at(2026, 11, 27, 0);
        let v = Versions { current: published(old.clone(), None), next: Some((new, at_next)) };
        let current = v.current_doc(taxonomy);
        let next = v.next_doc(taxonomy).unwrap();
        assert_eq!(current.id, "7");
        assert_eq!(next.id, "7.next");
        assert_eq!(posting_id(&next.id), Some(7));
        // Adjoining windows: the old text until the second before, the new one from it.
        assert_eq!(current.unpublish_at, Some(at_next));
        assert_eq!(next.publish_at, at_next);
        assert!(next.texts.iter().any(|t| t == "新題") && !next.texts.iter().any(|t| t == "旧題"));
        assert_eq!(next.keys["updated"] >> UPDATED_TIE_BITS, at_next, "更新日 is the revision's time");
        // Read at a time, the version in force.
        let read = |now| Versions { current: published(old.clone(), None), next: v.next.clone() }.at(now);
        assert_eq!(read(at_next - 1).snapshot["title"], "旧題");
        assert_eq!(read(at_next).snapshot["title"], "新題");
        assert_eq!(read(at_next).publish_at, at(2026, 11, 24, 22), "公開開始日 stays");
        // Nothing waiting: one document, no `.next`.
        let alone = Versions { current: published(old, None), next: None };
        assert!(alone.next_doc(taxonomy).is_none());
        assert_eq!(alone.current_doc(taxonomy).unpublish_at, Some(at(2027, 2, 1, 0) + 365 * 86_400));
    }

    #[test]
    fn names_order_by_their_first_characters() {
        assert!(name_rank("あおば研究所") < name_rank("国立窓口大学"));
        assert!(name_rank("ＡＢＣ大学") == name_rank("abc大学"), "folded");
        assert!(name_rank("") < name_rank("a"));
    }
}
